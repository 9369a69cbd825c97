import { describe, expect, it } from 'vitest';
import { STATS_FIELDS, type StatsRow, type StatsValues } from '@/lib/api/stats-fields';
import { TableStore } from './table-store';

const values = (n: number) => STATS_FIELDS.map((_, i) => n * 10 + i) as unknown as StatsValues;
const row = (key: string, n: number) => [key, ...values(n)] as StatsRow;
const keys = Array.from({ length: 10_000 }, (_, i) => `tcp|198.18.${Math.floor(i / 250)}.${i % 250}|80`);

/**
 * A row component as useSyncExternalStore runs it: told by its listener, it re-renders only when
 * its snapshot is not the one it last rendered (Object.is). Counts those re-renders per key.
 */
function mountRows(store: TableStore) {
  const renders = new Map<string, number>();
  let told = 0;
  const last = new Map<string, StatsValues | undefined>();
  for (const k of keys) {
    last.set(k, store.row(k));
    renders.set(k, 1);
    store.subscribeRow(k, () => {
      told++;
      const now = store.row(k);
      if (Object.is(now, last.get(k))) return;
      last.set(k, now);
      renders.set(k, renders.get(k)! + 1);
    });
  }
  const rerendered = () => [...renders].filter(([, n]) => n > 1).map(([k, n]) => [k, n - 1] as const);
  const reset = () => {
    keys.forEach((k) => renders.set(k, 1));
    told = 0;
  };
  /** listener calls: a store that told every row would cost 10,000 snapshot reads a second */
  const calls = () => told;
  return { rerendered, reset, calls };
}

describe('TableStore: the services table re-renders only the rows whose numbers changed', () => {
  it('a delta of 3 rows out of 10,000 re-renders those 3 rows once each, and nothing else', () => {
    const store = new TableStore();
    const rows = mountRows(store);
    store.setTable({ t: 1000, directors: 1, rows: keys.map((k, i) => row(k, i)) });
    expect(rows.rerendered()).toHaveLength(10_000); // the first table fills every row
    rows.reset();
    store.applyDelta({ t: 2000, directors: 1, rows: [row(keys[5]!, 99), row(keys[700]!, 98), row(keys[9_999]!, 97)], gone: [] });
    expect(rows.rerendered()).toEqual([
      [keys[5], 1],
      [keys[700], 1],
      [keys[9_999], 1],
    ]);
    expect(rows.calls()).toBe(3);
    expect(store.row(keys[700]!)).toEqual(values(98));
  });

  it('a resent table with the same numbers re-renders nothing; a changed or gone row re-renders once', () => {
    const store = new TableStore();
    const all = keys.map((k, i) => row(k, i));
    store.setTable({ t: 1000, directors: 1, rows: all });
    const rows = mountRows(store);
    store.setTable({ t: 2000, directors: 1, rows: all.map((r) => [...r] as StatsRow) });
    expect(rows.rerendered()).toEqual([]);
    expect(rows.calls()).toBe(0);
    store.setTable({ t: 3000, directors: 1, rows: all.slice(1).map((r, i) => (i === 0 ? row(keys[1]!, 5000) : r)) });
    expect(rows.rerendered()).toEqual([
      [keys[0], 1],
      [keys[1], 1],
    ]);
    expect(store.row(keys[0]!)).toBeUndefined();
  });

  it('tells its meta listeners when the second or the director count moves, not on a repeat', () => {
    const store = new TableStore();
    let told = 0;
    store.subscribeMeta(() => told++);
    store.applyDelta({ t: 1000, directors: 1, rows: [], gone: [] });
    store.applyDelta({ t: 1000, directors: 1, rows: [], gone: [] });
    store.applyDelta({ t: 2000, directors: 1, rows: [], gone: [] });
    expect(told).toBe(2);
    expect(store.meta).toEqual({ t: 2000, directors: 1, received: true });
  });

  it('an unsubscribed row hears nothing more', () => {
    const store = new TableStore();
    let heard = 0;
    const stop = store.subscribeRow(keys[0]!, () => heard++);
    store.applyDelta({ t: 1, directors: 1, rows: [row(keys[0]!, 1)], gone: [] });
    stop();
    store.applyDelta({ t: 2, directors: 1, rows: [row(keys[0]!, 2)], gone: [] });
    expect(heard).toBe(1);
  });
});
