// Detectors that run on a timer: a director whose agent has been away longer than its cluster's
// limit. Every console process runs the check; the event's dedupKey (director + the moment it was
// last seen) lets exactly one of them store it, so the alert goes out once per disconnection.
import { db } from '../db';
import { isConnected } from '../views';
import { alertSettingsOf } from './settings';
import { raiseAlert } from './raise';

export async function checkDisconnectedDirectors(now = Date.now()): Promise<number> {
  const prisma = await db();
  // a director that never connected is not "disconnected": it has no lastSeenAt
  const rows = await prisma.director.findMany({
    where: { revoked: false, lastSeenAt: { not: null } },
    select: { id: true, name: true, clusterId: true, connectedAt: true, lastSeenAt: true, cluster: { select: { name: true } } },
  });
  const limits = new Map<string, number>();
  let raised = 0;
  for (const d of rows) {
    if (isConnected(d, now)) continue;
    let limit = limits.get(d.clusterId);
    if (limit === undefined) limits.set(d.clusterId, (limit = (await alertSettingsOf(d.clusterId)).disconnectSeconds));
    const away = now - d.lastSeenAt!.getTime();
    if (away < limit * 1000) continue;
    raiseAlert({
      kind: 'director_disconnected',
      clusterId: d.clusterId,
      directorId: d.id,
      subject: d.name,
      summary: `director ${d.name} of ${d.cluster.name} has been disconnected for ${Math.round(away / 1000)} s (limit ${limit} s); last seen ${d.lastSeenAt!.toISOString()}`,
      details: { director: d.name, lastSeenAt: d.lastSeenAt!.toISOString(), limitSeconds: limit },
      at: now,
      dedupKey: `director_disconnected:${d.id}:${d.lastSeenAt!.getTime()}`,
    });
    raised++;
  }
  return raised;
}
