// The health history: every real-server transition an agent reports, stored once (the agent
// repeats its recent transitions with each health report; a row is keyed by director, server, time
// and state), flapping raised as an alert, availability computed from the stored transitions.
// Retention: rows older than HEALTH_RETENTION_DAYS go, and at most HEALTH_ROWS_PER_SERVER per
// director and real server are kept (a server flapping every second cannot fill the disk).
import type { HealthTransitionRow, ServerAvailability } from '../api/health-history';
import { availability, isFlapping, AVAILABILITY_WINDOWS } from '../ipvs/health-history';
import { realServerKeyId, serviceKeyId, serverKeyId } from '../ipvs/keys';
import { realServerLabel, serviceLabel } from '../ipvs/model';
import type { HealthState, HealthTransition } from '../protocol/messages';
import { alertSettingsOf } from './alerts/settings';
import { raiseAlert } from './alerts/raise';
import { db } from './db';
import { findCluster } from './revisions';

export const HEALTH_RETENTION_DAYS = 31;
export const HEALTH_ROWS_PER_SERVER = 2000;

interface DirectorRef {
  id: string;
  name: string;
  clusterId: string;
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === 'P2002' || /Unique constraint|UNIQUE constraint|duplicate key/i.test(String((e as Error).message));
}

/** Store the transitions not stored yet; raise `flapping` when a server reaches the cluster's rule. Returns how many were new. */
export async function recordHealthTransitions(d: DirectorRef, transitions: readonly HealthTransition[], now = Date.now()): Promise<number> {
  if (!transitions.length) return 0;
  const prisma = await db();
  const oldest = new Date(Math.min(...transitions.map((t) => Date.parse(t.at))));
  const known = await prisma.healthTransition.findMany({ where: { directorId: d.id, at: { gte: oldest } }, select: { serviceKey: true, serverKey: true, at: true, healthy: true } });
  const seen = new Set(known.map((k) => `${k.serviceKey}#${k.serverKey}@${k.at.getTime()}:${k.healthy}`));
  const fresh = transitions.filter((t) => !seen.has(`${serviceKeyId(t.service)}#${realServerKeyId(t.server)}@${Date.parse(t.at)}:${t.healthy}`));
  let stored = 0;
  const touched = new Map<string, HealthTransition>();
  for (const t of fresh) {
    try {
      await prisma.healthTransition.create({
        data: {
          clusterId: d.clusterId,
          directorId: d.id,
          serviceKey: serviceKeyId(t.service),
          serverKey: realServerKeyId(t.server),
          at: new Date(t.at),
          healthy: t.healthy,
          reason: t.reason,
          error: t.error ?? null,
          heldDown: t.heldDown ?? false,
        },
      });
      stored++;
      if (!t.heldDown) touched.set(serverKeyId(t.service, t.server), t);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e; // another process stored the same report's row
    }
  }
  if (touched.size) await checkFlapping(d, [...touched.values()], now);
  return stored;
}

async function checkFlapping(d: DirectorRef, latest: HealthTransition[], now: number): Promise<void> {
  const prisma = await db();
  const s = await alertSettingsOf(d.clusterId);
  const windowMs = s.flapWindowMinutes * 60_000;
  for (const t of latest) {
    const rows = await prisma.healthTransition.findMany({
      where: { directorId: d.id, serviceKey: serviceKeyId(t.service), serverKey: realServerKeyId(t.server), heldDown: false, at: { gte: new Date(now - windowMs) } },
      orderBy: { at: 'asc' },
      select: { at: true, id: true },
    });
    const times = rows.map((r) => r.at.getTime());
    if (!isFlapping(times, now, s.flapTransitions, windowMs)) continue;
    // one alert per episode: keyed by the transition that began the window's run
    const first = rows[Math.max(0, rows.length - s.flapTransitions)]!;
    raiseAlert({
      kind: 'flapping',
      clusterId: d.clusterId,
      directorId: d.id,
      subject: serverKeyId(t.service, t.server),
      summary: `${realServerLabel(t.server)} in ${serviceLabel(t.service)} on ${d.name} changed health ${rows.length} times in ${s.flapWindowMinutes} min (now ${t.healthy ? 'healthy' : 'failing'}${t.error ? `: ${t.error}` : ''})`,
      details: {
        director: d.name,
        service: serviceKeyId(t.service),
        server: realServerKeyId(t.server),
        transitions: rows.length,
        windowMinutes: s.flapWindowMinutes,
        healthy: t.healthy,
        error: t.error ?? null,
      },
      at: now,
      dedupKey: `flapping:${d.id}:${serverKeyId(t.service, t.server)}:${first.id}`,
    });
  }
}

/** Drop what retention no longer keeps. */
export async function pruneHealthHistory(now = Date.now()): Promise<number> {
  const prisma = await db();
  const old = await prisma.healthTransition.deleteMany({ where: { at: { lt: new Date(now - HEALTH_RETENTION_DAYS * 86_400_000) } } });
  let capped = 0;
  const heavy = await prisma.healthTransition.groupBy({ by: ['directorId', 'serviceKey', 'serverKey'], _count: { _all: true } });
  for (const g of heavy) {
    if (g._count._all <= HEALTH_ROWS_PER_SERVER) continue;
    const cut = await prisma.healthTransition.findMany({
      where: { directorId: g.directorId, serviceKey: g.serviceKey, serverKey: g.serverKey },
      orderBy: { at: 'desc' },
      skip: HEALTH_ROWS_PER_SERVER,
      take: 1,
      select: { at: true },
    });
    if (cut[0]) capped += (await prisma.healthTransition.deleteMany({ where: { directorId: g.directorId, serviceKey: g.serviceKey, serverKey: g.serverKey, at: { lte: cut[0].at } } })).count;
  }
  return old.count + capped;
}

export async function healthHistory(clusterRef: string, q: { service?: string; server?: string; hours: number; limit: number }, now = Date.now()): Promise<{ transitions: HealthTransitionRow[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const rows = await prisma.healthTransition.findMany({
    where: { clusterId: c.id, ...(q.service ? { serviceKey: q.service } : {}), ...(q.server ? { serverKey: q.server } : {}), at: { gte: new Date(now - q.hours * 3600_000) } },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: q.limit,
  });
  const names = await directorNames(c.id);
  return {
    transitions: rows.map((r) => ({
      id: r.id,
      director: names.get(r.directorId) ?? r.directorId,
      service: r.serviceKey,
      server: r.serverKey,
      at: r.at.toISOString(),
      healthy: r.healthy,
      reason: r.reason,
      error: r.error,
      heldDown: r.heldDown,
    })),
  };
}

async function directorNames(clusterId: string): Promise<Map<string, string>> {
  const prisma = await db();
  return new Map((await prisma.director.findMany({ where: { clusterId }, select: { id: true, name: true } })).map((d) => [d.id, d.name]));
}

/** Availability over 24 h / 7 d / 30 d of every real server a director checks (or has history for), per director. */
export async function serverAvailability(clusterRef: string, q: { service?: string }, now = Date.now()): Promise<{ servers: ServerAvailability[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const s = await alertSettingsOf(c.id);
  const directors = await prisma.director.findMany({ where: { clusterId: c.id }, select: { id: true, name: true, health: true, createdAt: true } });
  const rows = await prisma.healthTransition.findMany({
    where: { clusterId: c.id, ...(q.service ? { serviceKey: q.service } : {}), at: { gte: new Date(now - AVAILABILITY_WINDOWS['30d'] - 86_400_000) } },
    orderBy: { at: 'asc' },
    select: { directorId: true, serviceKey: true, serverKey: true, at: true, healthy: true, heldDown: true },
  });
  type Acc = { director: string; service: string; server: string; healthy: boolean | null; flips: { at: number; healthy: boolean }[]; knownSince: number };
  const by = new Map<string, Acc>();
  const acc = (dir: { id: string; name: string; createdAt: Date }, service: string, server: string) => {
    const k = `${dir.id}|${service}#${server}`;
    let a = by.get(k);
    if (!a) by.set(k, (a = { director: dir.name, service, server, healthy: null, flips: [], knownSince: dir.createdAt.getTime() }));
    return a;
  };
  for (const d of directors) {
    for (const h of (Array.isArray(d.health) ? d.health : []) as HealthState[]) {
      const sk = serviceKeyId(h.service);
      if (q.service && sk !== q.service) continue;
      acc(d, sk, realServerKeyId(h.server)).healthy = h.healthy;
    }
  }
  const dirById = new Map(directors.map((d) => [d.id, d]));
  for (const r of rows) {
    const d = dirById.get(r.directorId);
    if (!d || r.heldDown) continue;
    const a = acc(d, r.serviceKey, r.serverKey);
    a.flips.push({ at: r.at.getTime(), healthy: r.healthy });
    a.knownSince = Math.min(a.knownSince, r.at.getTime()); // a transition proves the server was watched then
  }
  const windowMs = s.flapWindowMinutes * 60_000;
  const ratio = (a: Acc, w: number) => availability(a.flips, now, w, { current: a.healthy ?? undefined, knownSince: a.knownSince }).ratio;
  return {
    servers: [...by.values()]
      .sort((a, b) => a.service.localeCompare(b.service) || a.server.localeCompare(b.server) || a.director.localeCompare(b.director))
      .map((a) => ({
        director: a.director,
        service: a.service,
        server: a.server,
        healthy: a.healthy,
        flapping: isFlapping(
          a.flips.map((f) => f.at),
          now,
          s.flapTransitions,
          windowMs,
        ),
        availability: { '24h': ratio(a, AVAILABILITY_WINDOWS['24h']), '7d': ratio(a, AVAILABILITY_WINDOWS['7d']), '30d': ratio(a, AVAILABILITY_WINDOWS['30d']) },
        transitions24h: a.flips.filter((f) => f.at >= now - AVAILABILITY_WINDOWS['24h']).length,
      })),
  };
}
