// The structured diff of two configs (lib/ipvs/diff): services added and removed, and for changed
// services each field "before → after" and their real servers added / removed / changed.
import { formatHostPort } from '@/lib/ipvs/addr';
import type { ConfigDiff, FieldChange } from '@/lib/ipvs/diff';
import styles from './diff.module.css';

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.join(',') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function Fields({ fields }: { fields: FieldChange[] }) {
  return (
    <>
      {fields.map((f) => (
        <span key={f.field} className={styles.field}>
          <span className="muted">{f.field}</span> <span className={styles.delText}>{show(f.before)}</span> → <span className={styles.addText}>{show(f.after)}</span>
        </span>
      ))}
    </>
  );
}

/** What a real server or service object looked like, in one line ("-g -w 1", "wrr, 3 servers"). */
function serverSummary(v: Record<string, unknown>): string {
  const fwd = v.forwarding === 'masq' ? 'masq' : v.forwarding === 'tunnel' ? `tunnel${v.tunnelType ? ` ${String(v.tunnelType)}` : ''}` : 'route';
  const parts = [fwd, `weight ${show(v.weight)}`];
  if (v.upperThreshold) parts.push(`-x ${show(v.upperThreshold)}`);
  if (v.lowerThreshold) parts.push(`-y ${show(v.lowerThreshold)}`);
  if (v.drain) parts.push('draining');
  return parts.join(', ');
}

function serviceSummary(v: Record<string, unknown>): string {
  const rs = Array.isArray(v.realServers) ? v.realServers.length : 0;
  const p = v.persistence as { timeout?: number } | undefined;
  return [String(v.scheduler ?? ''), p ? `persistent ${p.timeout}` : null, `${rs} real server${rs === 1 ? '' : 's'}`].filter(Boolean).join(', ');
}

export function ConfigDiffView({ diff }: { diff: ConfigDiff }) {
  const { added, removed, changed } = diff.services;
  if (!diff.globals.length && !added.length && !removed.length && !changed.length) return <p className="muted small">No difference.</p>;
  return (
    <ul className={styles.tree} data-testid="config-diff">
      {diff.globals.length ? (
        <li>
          <span className={`${styles.op} ${styles.opChg}`}>settings</span> <Fields fields={diff.globals} />
        </li>
      ) : null}
      {added.map((s) => (
        <li key={`a:${s.label}`}>
          <span className={`${styles.op} ${styles.opAdd}`}>+ service</span> <code>{s.label}</code> <span className="small muted">{serviceSummary(s.value)}</span>
          {Array.isArray(s.value.realServers) && s.value.realServers.length ? (
            <ul>
              {(s.value.realServers as Record<string, unknown>[]).map((r) => (
                <li key={`${String(r.address)}:${String(r.port)}`}>
                  <span className={styles.addText}>+</span> <code>{formatHostPort(String(r.address), Number(r.port ?? 0))}</code> <span className="small muted">{serverSummary(r)}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
      {removed.map((s) => (
        <li key={`r:${s.label}`}>
          <span className={`${styles.op} ${styles.opDel}`}>− service</span> <code>{s.label}</code> <span className="small muted">{serviceSummary(s.value)}</span>
        </li>
      ))}
      {changed.map((s) => (
        <li key={`c:${s.label}`}>
          <span className={`${styles.op} ${styles.opChg}`}>~ service</span> <code>{s.label}</code> <Fields fields={s.fields} />
          {s.realServers.added.length + s.realServers.removed.length + s.realServers.changed.length ? (
            <ul>
              {s.realServers.added.map((r) => (
                <li key={`+${r.label}`}>
                  <span className={styles.addText}>+</span> <code>{r.label}</code> <span className="small muted">{serverSummary(r.value)}</span>
                </li>
              ))}
              {s.realServers.removed.map((r) => (
                <li key={`-${r.label}`}>
                  <span className={styles.delText}>−</span> <code>{r.label}</code> <span className="small muted">{serverSummary(r.value)}</span>
                </li>
              ))}
              {s.realServers.changed.map((r) => (
                <li key={`~${r.label}`}>
                  <span className={styles.chgText}>~</span> <code>{r.label}</code> <Fields fields={r.fields} />
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
