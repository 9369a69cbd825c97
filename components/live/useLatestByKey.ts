'use client';
// The newest per-second point of every breakdown key, summed over several streams (one per
// director: the cluster's services table adds up what each director carries). Renders at most
// once a second however many streams and keys there are — the services table may have 1,000 rows.
import { useEffect, useRef, useState } from 'react';
import { api } from '../../lib/api/client';
import type { StatsPoint, StatsResponse, StatsSampleEvent } from '../../lib/api/schemas';
import type { StreamScope } from './useStatsStream';

export type Latest = { byKey: Map<string, StatsPoint>; total: StatsPoint | null; at: number };

const FIELDS = ['activeConns', 'inactConns', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;

function add(a: StatsPoint | undefined, b: StatsPoint): StatsPoint {
  if (!a) return { ...b };
  const out = { ...a, t: Math.max(a.t, b.t) };
  for (const f of FIELDS) out[f] = a[f] + b[f];
  return out;
}

export function useLatestByKey(cluster: string, scopes: StreamScope[], enabled = true): Latest & { connected: boolean } {
  const perStream = useRef<{ byKey: Map<string, StatsPoint>; total: StatsPoint | null }[]>([]);
  const dirty = useRef(false);
  const [state, setState] = useState<Latest & { connected: boolean }>({ byKey: new Map(), total: null, at: 0, connected: false });
  const scopeKey = JSON.stringify(scopes);

  useEffect(() => {
    if (!enabled || scopes.length === 0) return;
    perStream.current = scopes.map(() => ({ byKey: new Map(), total: null }));
    let open = 0;
    const sources = scopes.map((scope, i) => {
      const q: Record<string, string> = { backfill: '1m' };
      if (scope.director) q.director = scope.director;
      if (scope.service) q.service = scope.service;
      if (scope.server) q.server = scope.server;
      const es = new EventSource(api.statsStreamUrl(cluster, q));
      es.onopen = () => {
        open++;
      };
      es.addEventListener('backfill', (ev) => {
        try {
          const r = JSON.parse((ev as MessageEvent<string>).data) as StatsResponse;
          const s = perStream.current[i]!;
          s.total = r.total.points.at(-1) ?? null;
          s.byKey = new Map(r.breakdown.flatMap((b) => (b.points.length ? [[b.key, b.points.at(-1)!] as const] : [])));
          dirty.current = true;
        } catch {
          /* dropped; the next sample repairs it */
        }
      });
      es.addEventListener('sample', (ev) => {
        try {
          const e = JSON.parse((ev as MessageEvent<string>).data) as StatsSampleEvent;
          const s = perStream.current[i]!;
          s.total = { ...e.total, t: e.t };
          // keys absent from a sample have left (a removed service): drop them
          s.byKey = new Map(e.breakdown.map((b) => [b.key, { ...b.point, t: e.t }]));
          dirty.current = true;
        } catch {
          /* see above */
        }
      });
      return es;
    });
    const flush = setInterval(() => {
      if (!dirty.current) return;
      dirty.current = false;
      const byKey = new Map<string, StatsPoint>();
      let total: StatsPoint | null = null;
      for (const s of perStream.current) {
        for (const [k, p] of s.byKey) byKey.set(k, add(byKey.get(k), p));
        if (s.total) total = add(total ?? undefined, s.total);
      }
      setState({ byKey, total, at: Date.now(), connected: open > 0 });
    }, 1000);
    return () => {
      clearInterval(flush);
      sources.forEach((s) => s.close());
    };
    // scopeKey stands for scopes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cluster, scopeKey, enabled]);

  return state;
}
