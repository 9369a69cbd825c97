// A service's timeline beside its traffic chart: one list of marks from several sources, newest
// last: health transitions, config changes (revisions that touched the service) and failovers of
// its VIP, each from its own source in `timelineSources` (a source answers TimelineMark values of
// its own kind for the window).
import type { TimelineMark } from '../api/health-history';
import { canonicalJson } from '../ipvs/hash';
import { canonicalAddress } from '../ipvs/addr';
import { parseServiceKeyId, serviceKeyId } from '../ipvs/keys';
import type { VirtualService } from '../ipvs/model';
import { db } from './db';
import { healthHistory } from './health-history';
import { findCluster } from './revisions';
import { revisionConfig } from './views';

export interface TimelineWindow {
  clusterId: string;
  clusterName: string;
  /** serviceKeyId */
  service: string;
  from: Date;
  to: Date;
}

/** One source of marks. */
export type TimelineSource = (w: TimelineWindow) => Promise<TimelineMark[]>;

const healthMarks: TimelineSource = async (w) =>
  (await healthHistory(w.clusterId, { service: w.service, hours: Math.ceil((w.to.getTime() - w.from.getTime()) / 3600_000), limit: 500 }, w.to.getTime())).transitions.map((t) => ({
    kind: 'health' as const,
    at: t.at,
    director: t.director,
    server: t.server,
    healthy: t.healthy,
    reason: t.reason,
    error: t.error,
    heldDown: t.heldDown,
  }));

/** Revisions in the window whose version of the service differs from their parent's (at most 200 looked at). */
const configMarks: TimelineSource = async (w) => {
  const prisma = await db();
  const revs = await prisma.configRevision.findMany({ where: { clusterId: w.clusterId, createdAt: { gte: w.from, lte: w.to } }, orderBy: { number: 'asc' }, take: 200 });
  if (!revs.length) return [];
  const before = await prisma.configRevision.findFirst({ where: { clusterId: w.clusterId, number: { lt: revs[0]!.number } }, orderBy: { number: 'desc' } });
  const serviceIn = (r: { id: string; config: unknown } | null): string | null => {
    if (!r) return null;
    const s = revisionConfig(r).services.find((x: VirtualService) => serviceKeyId(x) === w.service);
    return s ? canonicalJson(s) : null;
  };
  const marks: TimelineMark[] = [];
  let prev = serviceIn(before);
  for (const r of revs) {
    const cur = serviceIn(r);
    if (cur !== prev) {
      marks.push({ kind: 'config', at: r.createdAt.toISOString(), revision: r.number, author: r.author, message: r.message, change: prev === null ? 'added' : cur === null ? 'removed' : 'changed' });
    }
    prev = cur;
  }
  return marks;
};

/** Failovers of the service's VIP (lib/server/ha.ts records them); a fwmark service has no VIP of its own. */
const failoverMarks: TimelineSource = async (w) => {
  const key = parseServiceKeyId(w.service);
  if (!key || key.protocol === 'fwmark') return [];
  const prisma = await db();
  const rows = await prisma.failoverEvent.findMany({ where: { clusterId: w.clusterId, vip: canonicalAddress(key.address), at: { gte: w.from, lte: w.to } }, orderBy: { at: 'asc' }, take: 200 });
  return rows.map((f) => ({
    kind: 'failover' as const,
    at: f.at.toISOString(),
    vip: f.vip,
    from: f.fromDirector,
    to: f.toDirector,
    detail: [f.failback ? 'failback' : 'failover', f.cause, f.warning].filter(Boolean).join(' — '),
  }));
};

export const timelineSources: TimelineSource[] = [healthMarks, configMarks, failoverMarks];

export async function serviceTimeline(clusterRef: string, q: { service: string; hours: number }, now = Date.now()): Promise<{ from: string; to: string; marks: TimelineMark[] }> {
  const c = await findCluster(clusterRef);
  const w: TimelineWindow = { clusterId: c.id, clusterName: c.name, service: q.service, from: new Date(now - q.hours * 3600_000), to: new Date(now) };
  const marks = (await Promise.all(timelineSources.map((src) => src(w)))).flat().sort((a, b) => a.at.localeCompare(b.at));
  return { from: w.from.toISOString(), to: w.to.toISOString(), marks };
}
