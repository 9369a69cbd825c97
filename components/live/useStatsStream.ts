'use client';
// Live stats over server-sent events: `backfill` (the last minutes) then one `sample` a second.
// One store per stream URL holds the series (shared by every chart of that scope) and hands React
// a new snapshot per sample through useSyncExternalStore; EventSource reconnects by itself and
// the next backfill heals any gap.
import { useMemo, useSyncExternalStore } from 'react';
import { api } from '@/lib/api/client';
import type { StatsResponse, StatsSampleEvent } from '@/lib/api/schemas';
import { emptySeries, fromResponse, pushSample, type SeriesState } from './series';
import { subscribeStream } from './shared-source';

export type StreamScope = { director?: string; service?: string; server?: string };
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/** Every consumer asks for the same backfill, so consumers of one scope share one connection. */
export const BACKFILL = '5m' as const;
const WINDOW_MS = 300_000;

/** The stream of a scope; `table` adds the cluster's table rows (live/stats-table.ts). */
export function streamUrl(cluster: string, scope: StreamScope, table?: 'services' | 'all'): string {
  const query: Record<string, string> = { backfill: BACKFILL };
  if (table) query.table = table;
  if (scope.director) query.director = scope.director;
  if (scope.service) query.service = scope.service;
  if (scope.server) query.server = scope.server;
  return api.statsStreamUrl(cluster, query);
}

/** `version` moves with every change of the (mutated in place) series, for memoised charts. */
export type StreamSnapshot = { series: SeriesState; version: number; status: StreamStatus };
type SeriesStore = { snap: StreamSnapshot; listeners: Set<() => void>; close?: () => void };

const OFF: StreamSnapshot = { series: emptySeries(), version: 0, status: 'off' };
const stores = new Map<string, SeriesStore>();

function storeFor(url: string): SeriesStore {
  let s = stores.get(url);
  if (!s) {
    s = { snap: { series: emptySeries(), version: 0, status: 'connecting' }, listeners: new Set() };
    stores.set(url, s);
  }
  return s;
}

function subscribeSeries(url: string, listener: () => void): () => void {
  const s = storeFor(url);
  s.listeners.add(listener);
  const publish = (next: Partial<StreamSnapshot>) => {
    s.snap = { ...s.snap, ...next, version: s.snap.version + 1 };
    s.listeners.forEach((l) => l());
  };
  s.close ??= subscribeStream(url, {
    backfill: (data) => {
      try {
        publish({ series: fromResponse(JSON.parse(data) as StatsResponse), status: 'live' });
      } catch {
        /* a malformed frame is dropped; the next one repairs the view */
      }
    },
    sample: (data) => {
      try {
        pushSample(s.snap.series, JSON.parse(data) as StatsSampleEvent, WINDOW_MS);
        publish({ status: 'live' });
      } catch {
        /* see above */
      }
    },
    status: (st) => publish({ status: st === 'open' ? 'live' : st === 'closed' ? 'off' : 'reconnecting' }),
  });
  return () => {
    s.listeners.delete(listener);
    if (s.listeners.size === 0) {
      s.close?.();
      stores.delete(url); // the next subscriber starts from a fresh backfill
    }
  };
}

const noSubscription = () => () => {};

export function useStatsStream(cluster: string, scope: StreamScope, opts: { enabled?: boolean } = {}): StreamSnapshot {
  const { enabled = true } = opts;
  const url = streamUrl(cluster, scope);
  const subscribe = useMemo(() => (enabled ? (l: () => void) => subscribeSeries(url, l) : noSubscription), [url, enabled]);
  return useSyncExternalStore(
    subscribe,
    () => (enabled ? storeFor(url).snap : OFF),
    () => OFF,
  );
}
