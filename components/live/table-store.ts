// The browser's copy of a cluster's live table, row by row, apart from the stream that feeds it
// (stats-table.ts) so its one promise is testable without a browser: a `table` replaces the rows,
// a `table-delta` touches only the rows it names, and only the listeners of touched rows hear of
// it. A row's snapshot (its values array) keeps its identity until that row changes, so a row
// component reading it through useSyncExternalStore re-renders only when its numbers moved.
import type { StatsTableDeltaEvent, StatsTableEvent } from '@/lib/api/schemas';
import { applyTableDelta, tableOf, type StatsTable } from '@/lib/api/stats-delta';
import type { StatsValues } from '@/lib/api/stats-fields';

/** When the numbers are from: `t` the oldest second in the sums (null: no director reports). */
export type TableMeta = { t: number | null; directors: number; received: boolean };
export const EMPTY_META: TableMeta = { t: null, directors: 0, received: false };

export class TableStore {
  private table: StatsTable = new Map();
  private rowListeners = new Map<string, Set<() => void>>();
  private metaListeners = new Set<() => void>();
  meta: TableMeta = EMPTY_META;

  /** A whole table (the stream's first frame, or a resync): every row that was or is there is touched. */
  setTable(e: Pick<StatsTableEvent, 't' | 'directors' | 'rows'>): void {
    const before = this.table;
    this.table = tableOf(e.rows);
    const touched = new Set(before.keys());
    // a row whose values did not change keeps its snapshot (a resync re-renders nothing)
    for (const [k, v] of this.table) {
      const old = before.get(k);
      if (old && sameValues(old, v)) {
        this.table.set(k, old);
        touched.delete(k);
      } else touched.add(k);
    }
    this.notify(touched);
    this.setMeta(e.t, e.directors);
  }

  /** A delta: only the rows it names change and are told. */
  applyDelta(e: Pick<StatsTableDeltaEvent, 't' | 'directors' | 'rows' | 'gone'>): void {
    this.notify(applyTableDelta(this.table, e));
    this.setMeta(e.t, e.directors);
  }

  row(key: string): StatsValues | undefined {
    return this.table.get(key);
  }

  subscribeRow(key: string, l: () => void): () => void {
    const set = this.rowListeners.get(key) ?? new Set();
    set.add(l);
    this.rowListeners.set(key, set);
    return () => {
      set.delete(l);
      if (set.size === 0 && this.rowListeners.get(key) === set) this.rowListeners.delete(key);
    };
  }

  subscribeMeta(l: () => void): () => void {
    this.metaListeners.add(l);
    return () => {
      this.metaListeners.delete(l);
    };
  }

  private notify(keys: Iterable<string>): void {
    for (const k of keys) this.rowListeners.get(k)?.forEach((l) => l());
  }

  private setMeta(t: number | null, directors: number): void {
    if (this.meta.received && this.meta.t === t && this.meta.directors === directors) return;
    this.meta = { t, directors, received: true };
    this.metaListeners.forEach((l) => l());
  }
}

function sameValues(a: StatsValues, b: StatsValues): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
