'use client';
// The live numbers of a cluster's tables, row by row. The stats stream (opened with
// table=services, or table=all for real servers too) sends the whole table once and then, each
// second, only the rows whose numbers changed; each row component subscribes to its own key
// (useSyncExternalStore), so a second of traffic re-renders the rows that moved and nothing else.
// One store per stream URL, shared by every row and closed when the last one leaves.
import { useMemo, useSyncExternalStore } from 'react';
import type { StatsTableDeltaEvent, StatsTableEvent } from '@/lib/api/schemas';
import { applyTableDelta, tableOf, type StatsTable } from '@/lib/api/stats-delta';
import type { StatsValues } from '@/lib/api/stats-fields';
import { clockNow, subscribeNow } from '../ui/hooks';
import { subscribeStream } from './shared-source';
import { streamUrl } from './useStatsStream';

export type TableMode = 'services' | 'all';
/** When the numbers are from: `t` the oldest second in the sums (null: no director reports). */
export type TableMeta = { t: number | null; directors: number; received: boolean };

type Store = {
  table: StatsTable;
  meta: TableMeta;
  rowListeners: Map<string, Set<() => void>>;
  metaListeners: Set<() => void>;
  users: number;
  close?: () => void;
};

const stores = new Map<string, Store>();
const EMPTY_META: TableMeta = { t: null, directors: 0, received: false };

function storeFor(url: string): Store {
  let s = stores.get(url);
  if (!s) {
    s = { table: new Map(), meta: EMPTY_META, rowListeners: new Map(), metaListeners: new Set(), users: 0 };
    stores.set(url, s);
  }
  return s;
}

function open(url: string, s: Store) {
  const notifyRows = (ks: Iterable<string>) => {
    for (const k of ks) s.rowListeners.get(k)?.forEach((l) => l());
  };
  const setMeta = (t: number | null, directors: number) => {
    if (s.meta.received && s.meta.t === t && s.meta.directors === directors) return;
    s.meta = { t, directors, received: true };
    s.metaListeners.forEach((l) => l());
  };
  s.close = subscribeStream(url, {
    table: (data) => {
      try {
        const e = JSON.parse(data) as StatsTableEvent;
        const before = s.table;
        s.table = tableOf(e.rows);
        notifyRows(new Set([...before.keys(), ...s.table.keys()]));
        setMeta(e.t, e.directors);
      } catch {
        /* dropped: the server sends a whole table again when it cannot vouch for ours */
      }
    },
    'table-delta': (data) => {
      try {
        const e = JSON.parse(data) as StatsTableDeltaEvent;
        notifyRows(applyTableDelta(s.table, e));
        setMeta(e.t, e.directors);
      } catch {
        /* see above */
      }
    },
  });
}

function retain(url: string): () => void {
  const s = storeFor(url);
  if (s.users++ === 0) open(url, s);
  return () => {
    if (--s.users === 0) {
      s.close?.();
      stores.delete(url);
    }
  };
}

/** A handle on the cluster's live table: hold it (useLiveTable) while rows read it. */
export type LiveTable = { url: string };

/** Keep the stream open while the table is on screen. */
export function useLiveTable(cluster: string, mode: TableMode): LiveTable {
  const url = streamUrl(cluster, {}, mode);
  // a store subscription with no snapshot of its own: it only keeps the stream open
  const subscribe = useMemo(() => () => retain(url), [url]);
  useSyncExternalStore(subscribe, noSnapshot, noSnapshot);
  return useMemo(() => ({ url }), [url]);
}
const noSnapshot = () => 0;

/** One row's numbers (STATS_FIELDS order); a new array only when that row changed. */
export function useStatsRow(t: LiveTable, key: string): StatsValues | undefined {
  const subscribe = useMemo(
    () => (l: () => void) => {
      const s = storeFor(t.url);
      const set = s.rowListeners.get(key) ?? new Set();
      set.add(l);
      s.rowListeners.set(key, set);
      return () => {
        set.delete(l);
        if (set.size === 0 && s.rowListeners.get(key) === set) s.rowListeners.delete(key);
      };
    },
    [t.url, key],
  );
  return useSyncExternalStore(
    subscribe,
    () => stores.get(t.url)?.table.get(key),
    () => undefined,
  );
}

/** How fresh the table's numbers are (for the staleness badge). */
export function useTableMeta(t: LiveTable): TableMeta {
  const subscribe = useMemo(
    () => (l: () => void) => {
      const s = storeFor(t.url);
      s.metaListeners.add(l);
      return () => {
        s.metaListeners.delete(l);
      };
    },
    [t.url],
  );
  return useSyncExternalStore(
    subscribe,
    () => stores.get(t.url)?.meta ?? EMPTY_META,
    () => EMPTY_META,
  );
}

/**
 * Whether the table's numbers are older than `maxAgeMs` (false before the first table). A boolean
 * snapshot: its reader re-renders when it flips, not with every second's numbers or tick.
 */
export function useTableOld(t: LiveTable, maxAgeMs: number): boolean {
  const subscribe = useMemo(
    () => (l: () => void) => {
      const s = storeFor(t.url);
      s.metaListeners.add(l);
      const stopClock = subscribeNow(1000, l);
      return () => {
        s.metaListeners.delete(l);
        stopClock();
      };
    },
    [t.url],
  );
  return useSyncExternalStore(
    subscribe,
    () => {
      const m = stores.get(t.url)?.meta ?? EMPTY_META;
      return m.received && (m.t === null || clockNow(1000) - m.t > maxAgeMs);
    },
    () => false,
  );
}
