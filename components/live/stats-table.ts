'use client';
// The live numbers of a cluster's tables, row by row. The stats stream (opened with
// table=services, or table=all for real servers too) sends the whole table once and then, each
// second, only the rows whose numbers changed; each row component subscribes to its own key
// (useSyncExternalStore), so a second of traffic re-renders the rows that moved and nothing else.
// One store per stream URL, shared by every row and closed when the last one leaves.
import { useMemo, useSyncExternalStore } from 'react';
import type { StatsTableDeltaEvent, StatsTableEvent } from '@/lib/api/schemas';
import type { StatsValues } from '@/lib/api/stats-fields';
import { clockNow, subscribeNow } from '../ui/hooks';
import { subscribeStream } from './shared-source';
import { EMPTY_META, TableStore, type TableMeta } from './table-store';
import { streamUrl } from './useStatsStream';

export type { TableMeta } from './table-store';
export type TableMode = 'services' | 'all';

type Entry = { store: TableStore; users: number; close?: () => void };
const stores = new Map<string, Entry>();

function storeFor(url: string): Entry {
  let s = stores.get(url);
  if (!s) stores.set(url, (s = { store: new TableStore(), users: 0 }));
  return s;
}

function open(url: string, s: Entry) {
  s.close = subscribeStream(url, {
    table: (data) => {
      try {
        s.store.setTable(JSON.parse(data) as StatsTableEvent);
      } catch {
        /* dropped: the server sends a whole table again when it cannot vouch for ours */
      }
    },
    'table-delta': (data) => {
      try {
        s.store.applyDelta(JSON.parse(data) as StatsTableDeltaEvent);
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
  const subscribe = useMemo(() => (l: () => void) => storeFor(t.url).store.subscribeRow(key, l), [t.url, key]);
  return useSyncExternalStore(
    subscribe,
    () => stores.get(t.url)?.store.row(key),
    () => undefined,
  );
}

/** How fresh the table's numbers are (for the staleness badge). */
export function useTableMeta(t: LiveTable): TableMeta {
  const subscribe = useMemo(() => (l: () => void) => storeFor(t.url).store.subscribeMeta(l), [t.url]);
  return useSyncExternalStore(
    subscribe,
    () => stores.get(t.url)?.store.meta ?? EMPTY_META,
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
      const stopMeta = storeFor(t.url).store.subscribeMeta(l);
      const stopClock = subscribeNow(1000, l);
      return () => {
        stopMeta();
        stopClock();
      };
    },
    [t.url],
  );
  return useSyncExternalStore(
    subscribe,
    () => {
      const m = stores.get(t.url)?.store.meta ?? EMPTY_META;
      return m.received && (m.t === null || clockNow(1000) - m.t > maxAgeMs);
    },
    () => false,
  );
}
