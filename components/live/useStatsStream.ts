'use client';
// Live stats over server-sent events: `backfill` (the last minutes) then one `sample` a second.
// The buffer lives in a ref and React re-renders at most once per sample; EventSource
// reconnects by itself and the next backfill heals any gap. Streams are shared per URL.
import { useEffect, useRef, useState } from 'react';
import { api } from '@/lib/api/client';
import type { StatsResponse, StatsSampleEvent } from '@/lib/api/schemas';
import { emptySeries, fromResponse, pushSample, type SeriesState } from './series';
import { subscribeStream } from './shared-source';

export type StreamScope = { director?: string; service?: string; server?: string };
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/** Every consumer asks for the same backfill, so consumers of one scope share one connection. */
export const BACKFILL = '5m' as const;
const WINDOW_MS = 300_000;

export function streamUrl(cluster: string, scope: StreamScope): string {
  const query: Record<string, string> = { backfill: BACKFILL };
  if (scope.director) query.director = scope.director;
  if (scope.service) query.service = scope.service;
  if (scope.server) query.server = scope.server;
  return api.statsStreamUrl(cluster, query);
}

export function useStatsStream(cluster: string, scope: StreamScope, opts: { enabled?: boolean } = {}) {
  const { enabled = true } = opts;
  const ref = useRef<SeriesState>(emptySeries());
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<StreamStatus>(enabled ? 'connecting' : 'off');
  const url = streamUrl(cluster, scope);

  useEffect(() => {
    if (!enabled) {
      setStatus('off');
      return;
    }
    ref.current = emptySeries();
    setVersion((v) => v + 1);
    setStatus('connecting');
    return subscribeStream(url, {
      backfill: (data) => {
        try {
          ref.current = fromResponse(JSON.parse(data) as StatsResponse);
          setStatus('live');
          setVersion((v) => v + 1);
        } catch {
          /* a malformed frame is dropped; the next one repairs the view */
        }
      },
      sample: (data) => {
        try {
          pushSample(ref.current, JSON.parse(data) as StatsSampleEvent, WINDOW_MS);
          setStatus('live');
          setVersion((v) => v + 1);
        } catch {
          /* see above */
        }
      },
      status: (s) => setStatus(s === 'open' ? 'live' : s === 'closed' ? 'off' : 'reconnecting'),
    });
  }, [url, enabled]);

  return { series: ref.current, version, status };
}
