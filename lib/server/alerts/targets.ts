// Webhook targets of a cluster (admin only): create, change, delete, send a test, and the
// delivery log. Every change and every test send is audited.
import type { z } from 'zod';
import {
  AlertDeliverySchema,
  DeliveredKindSchema,
  type AlertDelivery,
  type AlertDeliveryQuerySchema,
  type AlertTarget,
  type AlertTargetInputSchema,
  type AlertTargetUpdateSchema,
} from '../../api/alerts';
import type { AlertTarget as TargetRow } from '../../generated/sqlite/client';
import { auditAction } from '../audit';
import { db } from '../db';
import { conflict, notFound } from '../errors';
import { findCluster, type Actor } from '../revisions';
import { enqueueAlert, targetKinds } from './delivery';
import { alertWorker } from './start';

function view(t: TargetRow): AlertTarget {
  return {
    id: t.id,
    name: t.name,
    url: t.url,
    format: t.format === 'slack' ? 'slack' : 'json',
    kinds: targetKinds(t.kinds),
    enabled: t.enabled,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

async function findTarget(clusterId: string, ref: string): Promise<TargetRow> {
  const prisma = await db();
  const t = (await prisma.alertTarget.findFirst({ where: { clusterId, id: ref } })) ?? (await prisma.alertTarget.findUnique({ where: { clusterId_name: { clusterId, name: ref } } }));
  if (!t) throw notFound(`no webhook target ${ref}`);
  return t;
}

const taken = (name: string) => conflict(`a webhook target named ${name} exists`, [{ path: 'name', message: 'name already taken' }]);

export async function listTargets(clusterRef: string): Promise<{ targets: AlertTarget[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  return { targets: (await prisma.alertTarget.findMany({ where: { clusterId: c.id }, orderBy: { name: 'asc' } })).map(view) };
}

export async function createTarget(clusterRef: string, input: z.output<typeof AlertTargetInputSchema>, who: Actor): Promise<AlertTarget> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  if (await prisma.alertTarget.findUnique({ where: { clusterId_name: { clusterId: c.id, name: input.name } } })) throw taken(input.name);
  return prisma.$transaction(async (tx) => {
    const t = await tx.alertTarget.create({ data: { clusterId: c.id, name: input.name, url: input.url, format: input.format, kinds: JSON.stringify(input.kinds), enabled: input.enabled } });
    await auditAction(tx, who, c, 'alerts.target.create', `${c.name}/webhook ${t.name}`, { url: t.url, format: t.format, kinds: input.kinds, enabled: t.enabled });
    return view(t);
  });
}

export async function updateTarget(clusterRef: string, ref: string, input: z.output<typeof AlertTargetUpdateSchema>, who: Actor): Promise<AlertTarget> {
  const c = await findCluster(clusterRef);
  const t = await findTarget(c.id, ref);
  const prisma = await db();
  if (input.name && input.name !== t.name && (await prisma.alertTarget.findUnique({ where: { clusterId_name: { clusterId: c.id, name: input.name } } }))) throw taken(input.name);
  return prisma.$transaction(async (tx) => {
    const u = await tx.alertTarget.update({
      where: { id: t.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.format !== undefined ? { format: input.format } : {}),
        ...(input.kinds !== undefined ? { kinds: JSON.stringify(input.kinds) } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    });
    await auditAction(tx, who, c, 'alerts.target.update', `${c.name}/webhook ${u.name}`, { before: view(t), after: view(u) });
    return view(u);
  });
}

export async function deleteTarget(clusterRef: string, ref: string, who: Actor): Promise<void> {
  const c = await findCluster(clusterRef);
  const t = await findTarget(c.id, ref);
  const prisma = await db();
  await prisma.$transaction(async (tx) => {
    await tx.alertTarget.delete({ where: { id: t.id } });
    await auditAction(tx, who, c, 'alerts.target.delete', `${c.name}/webhook ${t.name}`, { url: t.url });
  });
}

/** Queue a test alert to one target (through the same queue, so it shows in the delivery log). */
export async function sendTest(clusterRef: string, ref: string, who: Actor): Promise<{ eventId: string; deliveryId: string }> {
  const c = await findCluster(clusterRef);
  const t = await findTarget(c.id, ref);
  const queued = await enqueueAlert({ kind: 'test', clusterId: c.id, summary: `Test alert from LVS Console, sent by ${who.actor}`, subject: t.name, details: {}, at: Date.now() }, t.id);
  if (!queued?.deliveryIds[0]) throw notFound(`no webhook target ${ref}`);
  const prisma = await db();
  await auditAction(prisma, who, c, 'alerts.test', `${c.name}/webhook ${t.name}`, { eventId: queued.eventId, url: t.url });
  alertWorker.kick();
  return { eventId: queued.eventId, deliveryId: queued.deliveryIds[0] };
}

/** The delivery log, newest first. */
export async function listDeliveries(clusterRef: string, q: z.output<typeof AlertDeliveryQuerySchema>): Promise<{ deliveries: AlertDelivery[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const target = q.target ? await findTarget(c.id, q.target) : null;
  const rows = await prisma.alertDelivery.findMany({
    where: { clusterId: c.id, ...(target ? { targetId: target.id } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit,
    include: { event: true, target: { select: { name: true } } },
  });
  return {
    deliveries: rows.map((d) => {
      const p = JSON.parse(d.event.payload) as { summary?: string };
      return AlertDeliverySchema.parse({
        id: d.id,
        eventId: d.eventId,
        target: d.target.name,
        targetId: d.targetId,
        kind: DeliveredKindSchema.parse(d.event.kind),
        summary: p.summary ?? '',
        status: d.status,
        attempts: d.attempts,
        nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
        lastError: d.lastError,
        responseCode: d.responseCode,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        createdAt: d.createdAt.toISOString(),
      });
    }),
  };
}
