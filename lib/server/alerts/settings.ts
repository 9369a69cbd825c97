// A cluster's health-history and alert settings: flapping rule, hold-down, disconnect limit.
// One row per cluster (defaults when none). The hold-down reaches the agents in the desired event
// (hub.ts `desired`), so a change re-pushes it.
import { AlertSettingsSchema, AlertSettingsUpdateSchema, DEFAULT_ALERT_SETTINGS, type AlertSettings } from '../../api/alerts';
import type { HealthPolicy } from '../../protocol/messages';
import type { z } from 'zod';
import { audit } from '../audit';
import { bus } from '../bus';
import { db, type DbOrTx } from '../db';
import { findCluster, type Actor } from '../revisions';

export async function alertSettingsOf(clusterId: string, dbx?: DbOrTx): Promise<AlertSettings> {
  const prisma = dbx ?? (await db());
  const row = await prisma.alertSettings.findUnique({ where: { clusterId } });
  if (!row) return { ...DEFAULT_ALERT_SETTINGS };
  return AlertSettingsSchema.parse({ flapTransitions: row.flapTransitions, flapWindowMinutes: row.flapWindowMinutes, holdDownSeconds: row.holdDownSeconds, disconnectSeconds: row.disconnectSeconds });
}

/** What the agents' monitors apply (carried by the desired event). */
export function healthPolicyOf(s: AlertSettings): HealthPolicy {
  return { transitions: s.flapTransitions, windowSeconds: s.flapWindowMinutes * 60, holdDownSeconds: s.holdDownSeconds };
}

export async function getAlertSettings(clusterRef: string): Promise<AlertSettings> {
  const c = await findCluster(clusterRef);
  return alertSettingsOf(c.id);
}

export async function updateAlertSettings(clusterRef: string, input: z.output<typeof AlertSettingsUpdateSchema>, who: Actor): Promise<AlertSettings> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const next = await prisma.$transaction(async (tx) => {
    const before = await alertSettingsOf(c.id, tx);
    const after = AlertSettingsSchema.parse({ ...before, ...input });
    await tx.alertSettings.upsert({ where: { clusterId: c.id }, create: { clusterId: c.id, ...after }, update: after });
    await audit(tx, { actor: who.actor, action: 'alerts.settings', cluster: { id: c.id, name: c.name }, target: c.name, clientIp: who.clientIp, details: { before, after } });
    return after;
  });
  // the hold-down rule travels with the desired revision
  await bus.publish({ k: 'cluster', clusterId: c.id });
  return next;
}
