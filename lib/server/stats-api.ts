// Stats for browsers: scope resolution (cluster / director / service / real server), live and
// history queries, and the per-second SSE stream (a backfill, then one `sample` per second as soon
// as every reporting director of the scope has delivered that second; director status and table
// deltas ride the same stream, see statsStream).
import type { CurrentStats, StatsResponse } from '../api/schemas';
import type { DirectorPrincipal } from './auth/principal';
import { db } from './db';
import { badRequest, notFound } from './errors';
import { metrics } from './metrics';
import { findCluster } from './revisions';
import { sseFrame, sseResponse } from './sse';
import { statsStore, type RowSample, type Scope } from './stats';
import { tableFeed, type TableKind } from './stats-table-feed';
import { statusFeed } from './status-feed';

export const LIVE_RANGE_SECONDS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600 } as const;

async function resolve(clusterRef: string, q: { director?: string; service?: string; server?: string }) {
  const cluster = await findCluster(clusterRef);
  const prisma = await db();
  const directors = await prisma.director.findMany({ where: { clusterId: cluster.id }, select: { id: true, name: true }, orderBy: { name: 'asc' } });
  const scope: Scope = {};
  if (q.director) {
    const d = directors.find((x) => x.name === q.director || x.id === q.director);
    if (!d) throw notFound(`cluster ${cluster.name} has no director named ${q.director}`);
    scope.director = d;
  }
  if (q.server && !q.service) throw badRequest('invalid query parameters', [{ path: 'server', message: 'a real server is named within a service: give service too' }]);
  if (q.service) {
    if (!/^(tcp|udp|sctp)\|[^|]+\|\d+$|^fwmark\|inet6?\|\d+$/.test(q.service)) {
      throw badRequest('invalid query parameters', [{ path: 'service', message: 'service must be a service key id such as "tcp|192.0.2.10|80" or "fwmark|inet|100"' }]);
    }
    scope.service = q.service;
  }
  if (q.server) {
    if (!/^[^|]+\|\d+$/.test(q.server)) throw badRequest('invalid query parameters', [{ path: 'server', message: 'server must be a real server key id such as "10.0.1.11|8080"' }]);
    scope.server = q.server;
  }
  return { cluster, scope, directors };
}

export async function liveStats(clusterRef: string, q: { director?: string; service?: string; server?: string; range: keyof typeof LIVE_RANGE_SECONDS }): Promise<StatsResponse> {
  const { scope, directors } = await resolve(clusterRef, q);
  const r = statsStore.live(scope, directors, LIVE_RANGE_SECONDS[q.range]);
  return { ...r, range: q.range };
}

export async function historyStats(clusterRef: string, q: { director?: string; service?: string; server?: string; range: '1h' | '24h' | '7d' | '30d' }): Promise<StatsResponse> {
  const { scope, directors } = await resolve(clusterRef, q);
  return statsStore.history(scope, directors, q.range);
}

let browserStreams = 0;
metrics.browserStreams.readBy(() => browserStreams);

type StreamQuery = { director?: string; service?: string; server?: string; backfill: keyof typeof LIVE_RANGE_SECONDS; table?: 'none' | TableKind };

/**
 * A browser's live stream of a scope: the chart (`backfill`, then a `sample` a second), the status
 * of the scope's directors (`director-status`, on open and on every change) and, when asked, the
 * cluster's table (`table`, then a `table-delta` a second with the changed rows only).
 */
export async function statsStream(req: Request, clusterRef: string, q: StreamQuery): Promise<Response> {
  const { scope, directors, cluster } = await resolve(clusterRef, q);
  const table = q.table ?? 'none';
  if (table !== 'none' && (scope.service || scope.director)) {
    throw badRequest('invalid query parameters', [{ path: 'table', message: "a table is the cluster's: give table without director or service" }]);
  }
  const backfill = { ...statsStore.live(scope, directors, LIVE_RANGE_SECONDS[q.backfill]), range: q.backfill };
  let last = Math.floor(Date.now() / 1000) - 1;
  // the backfill covers up to its last point; samples continue from there
  const lastPoint = backfill.total.points[backfill.total.points.length - 1];
  if (backfill.step === 1 && lastPoint) last = lastPoint.t / 1000;
  let timer: NodeJS.Timeout | undefined;
  let pings = 0;
  const stops: (() => void)[] = [];
  let closed = false;
  browserStreams++;
  return sseResponse(
    req.signal,
    (sink) => {
      sink.send(sseFrame('backfill', backfill));
      if (table !== 'none') stops.push(tableFeed.subscribe(cluster.id, table, sink));
      void statusFeed.subscribe(cluster.id, scope.director?.id ?? null, sink).then(
        (stop) => (closed ? stop() : stops.push(stop)),
        (e: Error) => console.error('[lvs-console] director status for a stream failed:', e.message),
      );
      timer = setInterval(() => {
        const ready = statsStore.readySecond(scope, directors);
        // never more than a minute of catch-up in one tick
        for (let sec = Math.max(last + 1, ready - 60); sec <= ready; sec++) {
          const s = statsStore.sample(scope, directors, sec);
          if (s.total) sink.send(sseFrame('sample', { t: sec * 1000, total: s.total, breakdown: s.breakdown }));
          last = sec;
        }
        if (++pings % 15 === 0) sink.ping();
      }, 1000);
      timer.unref();
    },
    () => {
      closed = true;
      browserStreams--;
      if (timer) clearInterval(timer);
      for (const stop of stops.splice(0)) stop();
    },
    { 'x-lvs-cluster': cluster.name },
  );
}

const lastTouch = new Map<string, number>();

export async function ingestStats(p: DirectorPrincipal, samples: RowSample[]): Promise<number> {
  const n = await statsStore.ingestRows(p.directorId, p.clusterId, samples);
  // stats are a sign of life too (written at most every 10 s per director)
  const now = Date.now();
  if (now - (lastTouch.get(p.directorId) ?? 0) > 10_000) {
    lastTouch.set(p.directorId, now);
    const prisma = await db();
    await prisma.director.updateMany({ where: { id: p.directorId }, data: { lastSeenAt: new Date(now) } });
  }
  return n;
}

/** Every service's and real server's current numbers: memory only, after one indexed cluster lookup. */
export async function currentStats(clusterRef: string, q: { servers: '0' | '1' }): Promise<CurrentStats> {
  const prisma = await db();
  const cluster = await prisma.cluster.findFirst({ where: { OR: [{ name: clusterRef }, { id: clusterRef }] }, select: { id: true } });
  if (!cluster) throw notFound(`no cluster named ${clusterRef}`);
  return statsStore.current(cluster.id, q.servers === '1');
}
