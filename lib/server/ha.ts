// HA visibility: the directors' HA reports become, per VIP, who holds it (lib/ipvs/ha.ts derives
// it), alerts on split brain and orphan VIPs (through raiseAlert), and the failover timeline.
// Evaluated on every HA report and once more when a bad state's grace runs out. The current state
// of each VIP lives in the database (HaVip), and every change is claimed with a conditional update,
// so with several console processes an alert or a failover is recorded exactly once.
import type { FailoverEvent, HaView, VipOwnershipView } from '../api/schemas';
import type { FailoverEvent as FailoverRow, HaVip } from '../generated/sqlite/client';
import { clusterVips, deriveVipOwnership, failbackSyncWarning, type VipOwnership } from '../ipvs/ha';
import { HaStateSchema, type HaState } from '../protocol/messages';
import { raiseAlert } from './alerts/raise';
import { audit } from './audit';
import { db } from './db';
import { demoFailoverAvailable } from './ha-demo';
import { findCluster } from './revisions';
import { isConnected, revisionConfig } from './views';

/** A split brain or an orphan VIP must last this long before it alerts: a failover passes through both for a few seconds (keepalived takes over after 3 advert intervals). */
export const HA_ALERT_GRACE_MS = 10_000;

export function storedHa(v: unknown): HaState | null {
  const r = HaStateSchema.safeParse(v);
  return r.success ? r.data : null;
}

async function directorsHa(clusterId: string, now: number) {
  const prisma = await db();
  const rows = await prisma.director.findMany({ where: { clusterId, revoked: false }, orderBy: { name: 'asc' } });
  return rows.map((d) => ({ id: d.id, name: d.name, connected: isConnected(d, now), ha: storedHa(d.ha), haReportedAt: d.haReportedAt }));
}

async function ownershipNow(clusterId: string, now: number) {
  const c = await findCluster(clusterId);
  const vips = c.currentRevision ? clusterVips(revisionConfig(c.currentRevision)) : [];
  const directors = await directorsHa(c.id, now);
  return { cluster: c, directors, ownership: deriveVipOwnership(vips, directors, now) };
}

const rechecks = new Map<string, ReturnType<typeof setTimeout>>();
function recheckLater(clusterId: string, ms: number): void {
  if (rechecks.has(clusterId)) return;
  const t = setTimeout(
    () => {
      rechecks.delete(clusterId);
      evaluateHa(clusterId).catch((e: unknown) => console.error(`[lvs-console] HA evaluation failed: ${(e as Error).message}`));
    },
    Math.max(100, ms),
  );
  t.unref?.();
  rechecks.set(clusterId, t);
}

/** Compare the derived ownership with what the cluster last held; record failovers, raise alerts. */
export async function evaluateHa(clusterId: string, now = Date.now()): Promise<VipOwnership[]> {
  const prisma = await db();
  const { cluster, directors, ownership } = await ownershipNow(clusterId, now);
  const rows = new Map((await prisma.haVip.findMany({ where: { clusterId: cluster.id } })).map((r) => [r.vip, r]));
  for (const o of ownership) {
    const owners = o.owners.join(',');
    let row: HaVip | null = rows.get(o.vip) ?? null;
    if (!row) {
      row = await prisma.haVip
        .create({ data: { clusterId: cluster.id, vip: o.vip, state: o.state, owners, lastOwner: o.state === 'owned' ? o.owners[0]! : null, since: new Date(now) } })
        .catch(() => null); // another process created it first: evaluated again on the next report
      if (row) await maybeAlert(cluster, row, o, directors, now);
      continue;
    }
    if (row.state !== o.state || row.owners !== owners) {
      const newOwner = o.state === 'owned' ? o.owners[0]! : null;
      const moved = newOwner !== null && row.lastOwner !== null && row.lastOwner !== newOwner;
      const claimed = await prisma.haVip.updateMany({
        where: { clusterId: cluster.id, vip: o.vip, state: row.state, owners: row.owners },
        data: {
          owners,
          ...(row.state !== o.state ? { state: o.state, since: new Date(now), alerted: false } : {}),
          ...(newOwner ? { lastOwner: newOwner } : {}),
        },
      });
      if (claimed.count !== 1) continue; // another process handled this change
      if (moved) await recordFailover(cluster, o.vip, row.lastOwner!, newOwner, directors, now);
      row = { ...row, owners, ...(row.state !== o.state ? { state: o.state, since: new Date(now), alerted: false } : {}) };
    }
    await maybeAlert(cluster, row, o, directors, now);
  }
  return ownership;
}

type ClusterRef = { id: string; name: string };
type Directors = Awaited<ReturnType<typeof directorsHa>>;

async function maybeAlert(cluster: ClusterRef, row: HaVip, o: VipOwnership, directors: Directors, now: number): Promise<void> {
  if ((o.state !== 'split_brain' && o.state !== 'orphan') || row.alerted) return;
  if (o.state === 'orphan' && !directors.some((d) => d.connected)) return;
  const age = now - row.since.getTime();
  if (age < HA_ALERT_GRACE_MS) return recheckLater(cluster.id, HA_ALERT_GRACE_MS - age + 50);
  const prisma = await db();
  const claimed = await prisma.haVip.updateMany({ where: { clusterId: cluster.id, vip: o.vip, state: o.state, alerted: false }, data: { alerted: true } });
  if (claimed.count !== 1) return;
  const seconds = Math.round(age / 1000);
  if (o.state === 'split_brain') {
    raiseAlert({
      kind: 'split_brain',
      clusterId: cluster.id,
      subject: o.vip,
      summary: `Split brain in ${cluster.name}: VIP ${o.vip} is configured on ${o.owners.join(' and ')} (for ${seconds} s)`,
      details: { cluster: cluster.name, vip: o.vip, owners: o.owners, since: row.since.toISOString() },
      at: now,
    });
  } else {
    raiseAlert({
      kind: 'orphan_vip',
      clusterId: cluster.id,
      subject: o.vip,
      summary: `Orphan VIP in ${cluster.name}: ${o.vip} is configured on no director (for ${seconds} s; reporting: ${o.reporting.join(', ')})`,
      details: { cluster: cluster.name, vip: o.vip, reporting: o.reporting, lastOwner: row.lastOwner, since: row.since.toISOString() },
      at: now,
    });
  }
}

/** Why the VIP moved, in the words of what the new owner reported. */
export function failoverCause(from: { name: string; connected: boolean; ha: HaState | null } | undefined, to: { name: string; ha: HaState | null }, fromName: string): string {
  const master = to.ha?.vrrp?.find((v) => v.state === 'MASTER');
  if (master) return `VRRP ${master.name}: ${to.name} became MASTER${master.priority !== null ? ` (priority ${master.priority})` : ''}${master.reason ? `: ${master.reason}` : ''}`;
  if (!from || !from.connected) return `${fromName} is disconnected; the VIP is now on ${to.name}`;
  return `the VIP left ${fromName}'s interfaces and is now on ${to.name}'s`;
}

async function recordFailover(cluster: ClusterRef, vip: string, from: string, to: string, directors: Directors, now: number): Promise<void> {
  const prisma = await db();
  const fromD = directors.find((d) => d.name === from);
  const toD = directors.find((d) => d.name === to)!;
  const previous = await prisma.failoverEvent.findFirst({ where: { clusterId: cluster.id, vip }, orderBy: { at: 'desc' } });
  const failback = previous?.fromDirector === to;
  const warning = failback ? failbackSyncWarning(toD, fromD ?? null) : null;
  const cause = failoverCause(fromD, toD, from);
  await prisma.$transaction(async (tx) => {
    await tx.failoverEvent.create({ data: { clusterId: cluster.id, vip, fromDirector: from, toDirector: to, at: new Date(now), cause, failback, warning } });
    await audit(tx, {
      actor: `agent:${to}`,
      action: failback ? 'ha.failback' : 'ha.failover',
      cluster,
      target: `${cluster.name}/${vip}`,
      details: { vip, from, to, cause, ...(warning ? { warning } : {}) },
    });
  });
}

const failoverView = (e: FailoverRow): FailoverEvent => ({
  id: e.id,
  vip: e.vip,
  from: e.fromDirector,
  to: e.toDirector,
  at: e.at.toISOString(),
  cause: e.cause,
  failback: e.failback,
  warning: e.warning,
});

export async function listFailovers(clusterRef: string, q: { limit: number; vip?: string }): Promise<{ failovers: FailoverEvent[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const rows = await prisma.failoverEvent.findMany({ where: { clusterId: c.id, ...(q.vip ? { vip: q.vip } : {}) }, orderBy: { at: 'desc' }, take: q.limit });
  return { failovers: rows.map(failoverView) };
}

export async function clusterHa(clusterRef: string): Promise<HaView> {
  const now = Date.now();
  const c = await findCluster(clusterRef);
  const { directors, ownership } = await ownershipNow(c.id, now);
  const prisma = await db();
  const rows = new Map((await prisma.haVip.findMany({ where: { clusterId: c.id } })).map((r) => [r.vip, r]));
  const vips: VipOwnershipView[] = ownership.map((o) => {
    const r = rows.get(o.vip);
    return { ...o, since: r && r.state === o.state ? r.since.toISOString() : null, lastOwner: r?.lastOwner ?? null };
  });
  const { failovers } = await listFailovers(c.id, { limit: 50 });
  return {
    cluster: c.name,
    vips,
    directors: directors.map((d) => ({ name: d.name, connected: d.connected, ha: d.ha, haReportedAt: d.haReportedAt?.toISOString() ?? null })),
    failovers,
    demoFailover: demoFailoverAvailable(c.name),
  };
}
