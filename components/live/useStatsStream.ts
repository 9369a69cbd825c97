'use client';
// Live stats over server-sent events: `backfill` (the last minutes) then one `sample` a second.
// The buffer lives in a ref and React re-renders at most once per sample; EventSource
// reconnects by itself and the next backfill heals any gap.
import { useEffect, useRef, useState } from 'react';
import { api } from '../../lib/api/client';
import type { StatsResponse, StatsSampleEvent } from '../../lib/api/schemas';
import { emptySeries, fromResponse, pushSample, type SeriesState } from './series';

export type StreamScope = { director?: string; service?: string; server?: string };
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

const WINDOW: Record<'1m' | '5m' | '15m' | '1h', number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

export function useStatsStream(cluster: string, scope: StreamScope, opts: { enabled?: boolean; backfill?: keyof typeof WINDOW } = {}) {
  const { enabled = true, backfill = '5m' } = opts;
  const ref = useRef<SeriesState>(emptySeries());
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<StreamStatus>(enabled ? 'connecting' : 'off');
  const scopeKey = `${scope.director ?? ''}\u0000${scope.service ?? ''}\u0000${scope.server ?? ''}`;

  useEffect(() => {
    if (!enabled) {
      setStatus('off');
      return;
    }
    ref.current = emptySeries();
    setVersion((v) => v + 1);
    setStatus('connecting');
    const query: Record<string, string> = { backfill };
    if (scope.director) query.director = scope.director;
    if (scope.service) query.service = scope.service;
    if (scope.server) query.server = scope.server;
    const es = new EventSource(api.statsStreamUrl(cluster, query));
    const windowMs = WINDOW[backfill];
    es.addEventListener('backfill', (ev) => {
      try {
        ref.current = fromResponse(JSON.parse((ev as MessageEvent<string>).data) as StatsResponse);
        setStatus('live');
        setVersion((v) => v + 1);
      } catch {
        /* a malformed frame is dropped; the next one repairs the view */
      }
    });
    es.addEventListener('sample', (ev) => {
      try {
        pushSample(ref.current, JSON.parse((ev as MessageEvent<string>).data) as StatsSampleEvent, windowMs);
        setStatus('live');
        setVersion((v) => v + 1);
      } catch {
        /* see above */
      }
    });
    es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
    return () => es.close();
    // scopeKey stands for scope's fields
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cluster, scopeKey, enabled, backfill]);

  return { series: ref.current, version, status };
}
