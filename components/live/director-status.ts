'use client';
// The one client-side source of director status. Every badge, row and rollout step that shows a
// director reads it here (`useDirectorStatus`), so two places on the screen never disagree.
//
// Two feeds write it, in one place each:
// - the `director-status` events of the cluster's stats stream (`useDirectorStatusFeed`, mounted
//   by the cluster frame), which say every change as it happens;
// - any REST answer that carries directors (cluster list and detail, director list and detail),
//   seen through react-query's cache (`feedFromQueries`). A REST answer may have been read before
//   a stream event it arrives after, so while a cluster's stream is open it only adds directors
//   the stream has not yet named.
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { DirectorStatus, DirectorStatusEvent } from '@/lib/api/schemas';
import { keys } from '../data/keys';
import { subscribeStream } from './shared-source';
import { streamUrl } from './useStatsStream';

type ClusterStatus = {
  byName: Map<string, DirectorStatus>;
  /** names the stream has spoken for since it opened */
  fromStream: Set<string>;
  streamOpen: boolean;
  listeners: Map<string, Set<() => void>>;
  /** listeners of the whole list */
  all: Set<() => void>;
  list: DirectorStatus[];
};

const clusters = new Map<string, ClusterStatus>();

function clusterStatus(cluster: string): ClusterStatus {
  let c = clusters.get(cluster);
  if (!c) {
    c = { byName: new Map(), fromStream: new Set(), streamOpen: false, listeners: new Map(), all: new Set(), list: [] };
    clusters.set(cluster, c);
  }
  return c;
}

function publish(c: ClusterStatus, names: Iterable<string>) {
  let any = false;
  for (const n of names) {
    any = true;
    c.listeners.get(n)?.forEach((l) => l());
  }
  if (any) {
    c.list = [...c.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    c.all.forEach((l) => l());
  }
}

/** A status changed only if some field did (REST polls repeat the same answer every few seconds). */
const same = (a: DirectorStatus | undefined, b: DirectorStatus) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/** Statuses from a REST answer (see the header for why the stream wins). */
export function seedDirectorStatus(cluster: string, directors: readonly DirectorStatus[]) {
  const c = clusterStatus(cluster);
  const changed: string[] = [];
  for (const d of directors) {
    if (c.streamOpen && c.fromStream.has(d.name)) continue;
    if (same(c.byName.get(d.name), d)) continue;
    c.byName.set(d.name, d);
    changed.push(d.name);
  }
  publish(c, changed);
}

/** Told when the stream shows a desired revision newer than any seen: the config moved. */
const revisionWatchers = new Set<(cluster: string, revision: number) => void>();
const newestDesired = new Map<string, number>();

/** A `director-status` event of the stream. */
export function applyDirectorStatusEvent(cluster: string, e: DirectorStatusEvent) {
  const c = clusterStatus(cluster);
  const changed: string[] = [];
  for (const d of e.directors) {
    const seen = newestDesired.get(cluster);
    if (d.desiredRevision !== null && (seen === undefined || d.desiredRevision > seen)) {
      newestDesired.set(cluster, d.desiredRevision);
      if (seen !== undefined) revisionWatchers.forEach((w) => w(cluster, d.desiredRevision!));
    }
    c.fromStream.add(d.name);
    if (same(c.byName.get(d.name), d)) continue;
    c.byName.set(d.name, d);
    changed.push(d.name);
  }
  for (const id of e.removed) {
    for (const [name, d] of c.byName) {
      if (d.id !== id) continue;
      c.byName.delete(name);
      c.fromStream.delete(name);
      changed.push(name);
    }
  }
  publish(c, changed);
}

/** Whether the cluster's status stream is open (then nothing needs polling for director status). */
export function statusStreamOpen(cluster: string): boolean {
  return clusters.get(cluster)?.streamOpen ?? false;
}

function setStreamOpen(cluster: string, open: boolean) {
  const c = clusterStatus(cluster);
  c.streamOpen = open;
  if (!open) c.fromStream.clear();
}

/**
 * Feed the store from every react-query answer that carries directors. Called once per query
 * client (components/providers.tsx); returns the unsubscribe.
 */
export function feedFromQueries(qc: QueryClient): () => void {
  const clustersKey = keys.clusters[0];
  // a new revision seen on the stream: refetch the cluster (its config), which is not polled then
  const onRevision = (cluster: string) => void qc.invalidateQueries({ queryKey: keys.cluster(cluster) });
  revisionWatchers.add(onRevision);
  const stop = qc.getQueryCache().subscribe((ev) => {
    if (ev.type !== 'updated' || ev.action.type !== 'success') return;
    const key = ev.query.queryKey as readonly unknown[];
    const data = ev.query.state.data as unknown;
    if (key[0] === clustersKey && key.length === 1) {
      for (const c of (data as { clusters: { name: string; directors: DirectorStatus[] }[] }).clusters) seedDirectorStatus(c.name, c.directors);
      return;
    }
    if (key[0] !== 'cluster' || typeof key[1] !== 'string') return;
    const cluster = key[1];
    if (key[2] === 'detail' || key[2] === 'head' || key[2] === 'directors') seedDirectorStatus(cluster, (data as { directors: DirectorStatus[] }).directors);
    else if (key[2] === 'director' && key.length === 4) seedDirectorStatus(cluster, [data as DirectorStatus]);
  });
  return () => {
    stop();
    revisionWatchers.delete(onRevision);
  };
}

/**
 * Hold the cluster's stats stream open for its `director-status` events (the cluster-wide chart
 * stream: the same URL, so the Services page pays no second connection).
 */
export function useDirectorStatusFeed(cluster: string) {
  useEffect(() => {
    const stop = subscribeStream(streamUrl(cluster, {}), {
      status: (st) => setStreamOpen(cluster, st === 'open'),
      'director-status': (data) => {
        try {
          applyDirectorStatusEvent(cluster, JSON.parse(data) as DirectorStatusEvent);
        } catch {
          /* a malformed frame is dropped; the next status of that director repairs it */
        }
      },
    });
    return () => {
      stop();
      setStreamOpen(cluster, false);
    };
  }, [cluster]);
}

/** One director's status as every badge shows it; `fallback` until the store has heard of it. */
export function useDirectorStatus<T extends DirectorStatus | undefined>(cluster: string, name: string, fallback?: T): DirectorStatus | T {
  const c = clusterStatus(cluster);
  const subscribe = useMemo(
    () => (l: () => void) => {
      const set = c.listeners.get(name) ?? new Set();
      set.add(l);
      c.listeners.set(name, set);
      return () => {
        set.delete(l);
      };
    },
    [c, name],
  );
  const live = useSyncExternalStore(
    subscribe,
    () => c.byName.get(name),
    () => undefined,
  );
  return live ?? (fallback as T);
}

/** Every director of the cluster the store knows, by name. */
export function useDirectorStatuses(cluster: string): DirectorStatus[] {
  const c = clusterStatus(cluster);
  const subscribe = useMemo(
    () => (l: () => void) => {
      c.all.add(l);
      return () => {
        c.all.delete(l);
      };
    },
    [c],
  );
  return useSyncExternalStore(
    subscribe,
    () => c.list,
    () => c.list,
  );
}
