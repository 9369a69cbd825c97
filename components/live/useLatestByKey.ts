'use client';
// The newest per-second point of every breakdown key, summed over several scopes (one per
// director: the cluster's services table adds up what each director carries). Renders at most
// once a second however many scopes and keys there are — a services table may have 1,000 rows.
//
// Connection budget: the first `maxStreams` scopes ride server-sent events (shared per URL with
// any chart on the same scope); the rest are polled, since each open stream holds one of the six
// HTTP/1.1 connections a browser allows per host.
import { useEffect, useRef, useState } from 'react';
import { api } from '@/lib/api/client';
import type { StatsPoint, StatsResponse, StatsSampleEvent } from '@/lib/api/schemas';
import { CHART_FIELDS } from '@/lib/api/stats-fields';
import { subscribeStream } from './shared-source';
import { streamUrl, type StreamScope } from './useStatsStream';

export type Latest = { byKey: Map<string, StatsPoint>; total: StatsPoint | null; at: number };

const POLL_MS = 3000;

function add(a: StatsPoint | undefined, b: StatsPoint): StatsPoint {
  if (!a) return { ...b };
  const out = { ...a, t: Math.max(a.t, b.t) };
  for (const f of CHART_FIELDS) out[f] = a[f] + b[f];
  return out;
}

type Slot = { byKey: Map<string, StatsPoint>; total: StatsPoint | null };

function fromBackfill(r: StatsResponse): Slot {
  return {
    total: r.total.points.at(-1) ?? null,
    byKey: new Map(r.breakdown.flatMap((b) => (b.points.length ? [[b.key, b.points.at(-1)!] as const] : []))),
  };
}

export function useLatestByKey(cluster: string, scopes: StreamScope[], opts: { enabled?: boolean; maxStreams?: number } = {}): Latest & { connected: boolean } {
  const { enabled = true, maxStreams = 2 } = opts;
  const slots = useRef<Slot[]>([]);
  const dirty = useRef(false);
  const [state, setState] = useState<Latest & { connected: boolean }>({ byKey: new Map(), total: null, at: 0, connected: false });
  const scopeKey = JSON.stringify(scopes);

  useEffect(() => {
    if (!enabled || scopes.length === 0) return;
    slots.current = scopes.map(() => ({ byKey: new Map(), total: null }));
    let connected = false;
    let flushed = false;
    const stops: (() => void)[] = [];
    const flush = () => {
      if (!dirty.current) return;
      dirty.current = false;
      const byKey = new Map<string, StatsPoint>();
      let total: StatsPoint | null = null;
      for (const s of slots.current) {
        for (const [k, p] of s.byKey) byKey.set(k, add(byKey.get(k), p));
        if (s.total) total = add(total ?? undefined, s.total);
      }
      setState({ byKey, total, at: Date.now(), connected });
    };
    // the first numbers show at once; after that at most one render a second
    const first = () => {
      if (!flushed) {
        flushed = true;
        flush();
      }
    };
    scopes.forEach((scope, i) => {
      if (i < maxStreams) {
        stops.push(
          subscribeStream(streamUrl(cluster, scope), {
            status: (s) => {
              connected = connected || s === 'open';
            },
            backfill: (data) => {
              try {
                slots.current[i] = fromBackfill(JSON.parse(data) as StatsResponse);
                dirty.current = connected = true;
                first();
              } catch {
                /* dropped; the next sample repairs it */
              }
            },
            sample: (data) => {
              try {
                const e = JSON.parse(data) as StatsSampleEvent;
                // keys absent from a sample have left (a removed service): drop them
                slots.current[i] = { total: { ...e.total, t: e.t }, byKey: new Map(e.breakdown.map((b) => [b.key, { ...b.point, t: e.t }])) };
                dirty.current = true;
              } catch {
                /* see above */
              }
            },
          }),
        );
      } else {
        const ctl = new AbortController();
        const poll = async () => {
          try {
            const r = await api.liveStats(cluster, { ...scope, range: '1m' }, ctl.signal);
            slots.current[i] = fromBackfill(r);
            dirty.current = connected = true;
            first();
          } catch {
            /* keep the last numbers; the next poll retries */
          }
        };
        void poll();
        const t = setInterval(poll, POLL_MS);
        stops.push(() => {
          clearInterval(t);
          ctl.abort();
        });
      }
    });
    const timer = setInterval(flush, 1000);
    return () => {
      clearInterval(timer);
      stops.forEach((s) => s());
    };
    // scopeKey stands for scopes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cluster, scopeKey, enabled, maxStreams]);

  return state;
}
