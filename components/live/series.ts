// Chart data held in the browser: a window of per-second points for the total and each
// breakdown key (director, service or real server), fed by the stats stream's backfill and
// samples, and turned into recharts rows. Pure, so it is tested without a browser.
import type { StatsPoint, StatsResponse, StatsSampleEvent } from '@/lib/api/schemas';

export type Field = Exclude<keyof StatsPoint, 't'>;

export type SeriesState = {
  /** epoch ms of the newest point */
  last: number;
  total: StatsPoint[];
  /** key → label and points (oldest first) */
  byKey: Map<string, { label: string; points: StatsPoint[] }>;
};

export function emptySeries(): SeriesState {
  return { last: 0, total: [], byKey: new Map() };
}

export function fromResponse(r: StatsResponse): SeriesState {
  const byKey = new Map<string, { label: string; points: StatsPoint[] }>();
  for (const s of r.breakdown) byKey.set(s.key, { label: s.label, points: [...s.points] });
  const last = Math.max(r.total.points.at(-1)?.t ?? 0, ...r.breakdown.map((s) => s.points.at(-1)?.t ?? 0));
  return { last, total: [...r.total.points], byKey };
}

/** Add one second; points older than `windowMs` before it fall out. Mutates and returns `s`. */
export function pushSample(s: SeriesState, e: StatsSampleEvent, windowMs: number): SeriesState {
  if (e.t <= s.last && s.total.length && s.total.at(-1)!.t >= e.t) {
    // a repeated or late second (reconnect overlap): replace in place rather than duplicate
    replaceAt(s.total, { ...e.total, t: e.t });
  } else {
    s.total.push({ ...e.total, t: e.t });
  }
  for (const b of e.breakdown) {
    let entry = s.byKey.get(b.key);
    if (!entry) s.byKey.set(b.key, (entry = { label: b.label, points: [] }));
    entry.label = b.label;
    const p = { ...b.point, t: e.t };
    if (entry.points.length && entry.points.at(-1)!.t >= e.t) replaceAt(entry.points, p);
    else entry.points.push(p);
  }
  s.last = Math.max(s.last, e.t);
  const cutoff = s.last - windowMs;
  trimBefore(s.total, cutoff);
  for (const [k, v] of s.byKey) {
    trimBefore(v.points, cutoff);
    if (v.points.length === 0) s.byKey.delete(k);
  }
  return s;
}

function replaceAt(points: StatsPoint[], p: StatsPoint) {
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i]!.t === p.t) {
      points[i] = p;
      return;
    }
    if (points[i]!.t < p.t) {
      points.splice(i + 1, 0, p);
      return;
    }
  }
  points.unshift(p);
}

function trimBefore(points: StatsPoint[], cutoff: number) {
  let n = 0;
  while (n < points.length && points[n]!.t < cutoff) n++;
  if (n) points.splice(0, n);
}

export type Row = { t: number } & Record<string, number | null>;

/**
 * Rows for a line chart: one per timestamp; columns are either named fields of the total
 * ("activeConns", "inactConns") or breakdown keys (value of `field`). `scale` turns bytes into bits.
 */
export function toRows(s: SeriesState, columns: { mode: 'total'; fields: Field[] } | { mode: 'breakdown'; field: Field; keys?: string[] }, scale = 1): Row[] {
  const rows = new Map<number, Row>();
  const row = (t: number) => {
    let r = rows.get(t);
    if (!r) rows.set(t, (r = { t } as Row));
    return r;
  };
  if (columns.mode === 'total') {
    for (const p of s.total) {
      const r = row(p.t);
      for (const f of columns.fields) r[f] = p[f] * scale;
    }
  } else {
    const keys = columns.keys ?? [...s.byKey.keys()];
    for (const k of keys) for (const p of s.byKey.get(k)?.points ?? []) row(p.t)[k] = p[columns.field] * scale;
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

/** The newest value of a field in the total (what the "now" readout shows). */
export function latest(s: SeriesState, field: Field): number | null {
  const p = s.total.at(-1);
  return p ? p[field] : null;
}

/** Keys ordered by label, as the legend lists them. */
export function keysByLabel(s: SeriesState): { key: string; label: string }[] {
  return [...s.byKey].map(([key, v]) => ({ key, label: v.label })).sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
}

/**
 * At most `maxPoints` rows, for a chart `maxPoints` pixels (or point slots) wide: consecutive rows
 * share a bucket whose row keeps the first time and each column's largest value, so peaks stay
 * visible. Fewer rows than that come back as they are.
 */
export function downsample(rows: Row[], maxPoints: number): Row[] {
  const n = Math.max(1, Math.floor(maxPoints));
  if (rows.length <= n) return rows;
  const per = rows.length / n;
  const out: Row[] = [];
  for (let b = 0; b < n; b++) {
    const from = Math.floor(b * per);
    const to = Math.floor((b + 1) * per);
    const acc: Row = { ...rows[from]! };
    for (let i = from + 1; i < to; i++) {
      for (const [k, v] of Object.entries(rows[i]!)) {
        if (k === 't' || v === null) continue;
        const cur = acc[k];
        if (cur === undefined || cur === null || v > cur) acc[k] = v;
      }
    }
    out.push(acc);
  }
  return out;
}
