// Table deltas: the rows whose numbers changed since the last second, and the rows that left.
// The server computes them once per cluster and second; the browser applies them to its table
// and re-renders only the rows they name. Pure (server and browser).
import { rowValues, statsRow, type StatsRow, type StatsValues } from './stats-fields';

export type StatsTable = Map<string, StatsValues>;
export interface TableChange {
  /** rows added or changed, with all their values */
  rows: StatsRow[];
  /** keys of rows that are gone (a removed service or server, or a director that stopped reporting) */
  gone: string[];
}

const same = (a: StatsValues, b: StatsValues) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** What turns `prev` into `next`: only the rows that differ. */
export function tableDelta(prev: ReadonlyMap<string, StatsValues>, next: ReadonlyMap<string, StatsValues>): TableChange {
  const rows: StatsRow[] = [];
  const gone: string[] = [];
  for (const [k, v] of next) {
    const p = prev.get(k);
    if (!p || !same(p, v)) rows.push(statsRow(k, v));
  }
  for (const k of prev.keys()) if (!next.has(k)) gone.push(k);
  return { rows, gone };
}

/** Apply a delta in place; returns the keys it touched (the rows to re-render). */
export function applyTableDelta(table: StatsTable, d: TableChange): string[] {
  const touched: string[] = [];
  for (const r of d.rows) {
    table.set(r[0], rowValues(r));
    touched.push(r[0]);
  }
  for (const k of d.gone) if (table.delete(k)) touched.push(k);
  return touched;
}

/** A full table (the stream's `table` event) as a map. */
export const tableOf = (rows: readonly StatsRow[]): StatsTable => new Map(rows.map((r) => [r[0], rowValues(r)]));
