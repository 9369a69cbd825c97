// The structured diff of two configs (services added / removed / changed field by field).
// Until lib/ipvs/diff.ts's ConfigDiff shape is final this renders any nested diff object
// readably: {before, after} / {from, to} pairs as "old → new", arrays as lists.
import styles from './diff.module.css';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPair(v: Json): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const k = Object.keys(v);
  return (k.includes('before') && k.includes('after')) || (k.includes('from') && k.includes('to') && k.length <= 3);
}

function scalar(v: Json): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function Node({ name, v }: { name?: string; v: Json }) {
  if (isPair(v)) {
    const o = v as { [k: string]: Json };
    const a = 'before' in o ? o.before! : o.from!;
    const b = 'before' in o ? o.after! : o.to!;
    return (
      <li>
        {name ? <span className="muted">{name}: </span> : null}
        <span className={styles.delText}>{scalar(a)}</span> → <span className={styles.addText}>{scalar(b)}</span>
      </li>
    );
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    return (
      <li>
        {name ? <strong>{name}</strong> : null}
        <ul>
          {v.map((x, i) => (
            <Node key={i} v={x} />
          ))}
        </ul>
      </li>
    );
  }
  if (v && typeof v === 'object') {
    const o = v as { [k: string]: Json };
    const entries = Object.entries(o).filter(([, x]) => !(Array.isArray(x) && x.length === 0));
    if (!entries.length) return null;
    const label = typeof o.label === 'string' ? o.label : typeof o.service === 'string' ? o.service : null;
    return (
      <li>
        {name ? <strong>{name}</strong> : null} {label ? <code>{label}</code> : null}
        <ul>
          {entries
            .filter(([k]) => k !== 'label')
            .map(([k, x]) => (
              <Node key={k} name={k} v={x} />
            ))}
        </ul>
      </li>
    );
  }
  return (
    <li>
      {name ? <span className="muted">{name}: </span> : null}
      <span className="mono small">{scalar(v)}</span>
    </li>
  );
}

export function ConfigDiffView({ diff }: { diff: unknown }) {
  const d = diff as Json;
  if (!d || (typeof d === 'object' && Object.keys(d).length === 0)) return <p className="muted small">No structural change.</p>;
  return (
    <ul className="small" style={{ margin: 0, paddingLeft: 18 }}>
      {typeof d === 'object' && !Array.isArray(d) ? Object.entries(d).map(([k, v]) => <Node key={k} name={k} v={v} />) : <Node v={d} />}
    </ul>
  );
}
