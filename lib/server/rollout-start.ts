// Starting a staged rollout, inside the transaction that makes its revision current (called by
// commitConfig in revisions.ts), and what a step's gates compare with. Kept apart from
// rollouts.ts (which commits rollbacks through revisions.ts) so the two never import each other.
import { z } from 'zod';
import { ALL_AT_ONCE, planSteps, RolloutPolicySchema, type GateDirector, type RolloutPolicy, type RolloutStep } from '../api/rollout';
import type { Director } from '../generated/sqlite/client';
import { realServerKeyId, serverKeyId, serviceKeyId } from '../ipvs/keys';
import { realServerLabel, serviceLabel } from '../ipvs/model';
import { HealthStateSchema } from '../protocol/messages';
import { audit } from './audit';
import type { Tx } from './db';
import { conflict } from './errors';
import { statsStore } from './stats';

type Actor = { actor: string; clientIp: string | null };

/** Seconds of numbers before a step that make its baseline new-connection rate. */
const BASELINE_SECONDS = 30;
type HealthRow = Pick<Director, 'id' | 'name' | 'health'>;

export const parsePolicy = (text: string | null): RolloutPolicy => (text ? RolloutPolicySchema.parse(JSON.parse(text)) : ALL_AT_ONCE);
const HealthListSchema = z.array(HealthStateSchema);

/** A director's unhealthy real servers now: key "service#server", a label, the probe's reason. */
export function unhealthyOf(d: Pick<Director, 'health'>): GateDirector['unhealthy'] {
  const r = HealthListSchema.safeParse(d.health ?? []);
  if (!r.success) return [];
  return r.data
    .filter((h) => !h.healthy)
    .map((h) => ({ key: serverKeyId(serviceKeyId(h.service), realServerKeyId(h.server)), label: `${realServerLabel(h.server)} of ${serviceLabel(h.service)}`, reason: h.reason }));
}

/** What a step's gates compare with, measured just before its directors get the revision. */
export function baseline(directors: HealthRow[], now: number): RolloutStep['baseline'] {
  const sec = Math.floor(now / 1000);
  return {
    cps: statsStore.meanCps(
      directors.map((d) => d.id),
      sec - BASELINE_SECONDS,
      sec,
    ),
    unhealthy: directors.flatMap((d) => unhealthyOf(d).map((u) => `${d.name}/${u.key}`)),
  };
}

// ---- starting one (inside the commit's transaction) ------------------------------------------

export type RolloutRequest = { policy?: RolloutPolicy } | { rollbackDirectorIds: string[] };

/**
 * Called by commitConfig in the transaction that makes `revision` current: refuses (409) while
 * another rollout of the cluster may still move, retires an aborted one, and either clears every
 * pin (all at once) or starts a rollout whose first step follows the new revision. True when a
 * rollout started.
 */
export async function startRollout(
  tx: Tx,
  o: { cluster: { id: string; name: string; rolloutPolicy: string | null }; from: { number: number; hash: string }; revision: number; request: RolloutRequest; who: Actor; now?: number },
): Promise<boolean> {
  const now = o.now ?? Date.now();
  const active = await tx.rollout.findFirst({ where: { clusterId: o.cluster.id, state: { in: ['running', 'paused', 'held'] } } });
  if (active) {
    throw conflict(`the rollout of r${active.revision} on ${o.cluster.name} is ${active.state}: finish or abort it before applying another revision`, [
      { path: 'rollout', message: `r${active.revision} is still rolling out` },
    ]);
  }
  await tx.rollout.updateMany({ where: { clusterId: o.cluster.id, state: 'aborted' }, data: { state: 'superseded', version: { increment: 1 } } });
  const rollback = 'rollbackDirectorIds' in o.request ? o.request.rollbackDirectorIds : null;
  const policy = rollback ? ALL_AT_ONCE : ((o.request as { policy?: RolloutPolicy }).policy ?? parsePolicy(o.cluster.rolloutPolicy));
  const directors = await tx.director.findMany({ where: { clusterId: o.cluster.id, revoked: false }, orderBy: { name: 'asc' }, select: { id: true, name: true, health: true } });
  const plan = rollback ? [directors.filter((d) => rollback.includes(d.id))] : policy.mode === 'all' ? [] : planSteps(policy, directors);
  if (!plan.length || !plan[0]!.length) {
    await tx.director.updateMany({ where: { clusterId: o.cluster.id }, data: { pinnedRevision: null, pinnedHash: null } });
    return false;
  }
  const first = plan[0]!.map((d) => d.id);
  // directors outside the first step keep what they run (a pin from an aborted rollout stays)
  await tx.director.updateMany({ where: { clusterId: o.cluster.id, pinnedRevision: null, id: { notIn: first } }, data: { pinnedRevision: o.from.number, pinnedHash: o.from.hash } });
  await tx.director.updateMany({ where: { id: { in: first } }, data: { pinnedRevision: null, pinnedHash: null } });
  const steps: RolloutStep[] = plan.map((ds, i) => ({
    directors: ds.map((d) => ({ id: d.id, name: d.name })),
    startedAt: i === 0 ? new Date(now).toISOString() : null,
    finishedAt: null,
    baseline: i === 0 ? baseline(ds, now) : null,
    gates: [],
  }));
  await tx.rollout.create({
    data: {
      clusterId: o.cluster.id,
      revision: o.revision,
      fromRevision: o.from.number,
      kind: rollback ? 'rollback' : 'rollout',
      policy: JSON.stringify(policy),
      state: 'running',
      steps: JSON.stringify(steps),
      author: o.who.actor,
    },
  });
  await audit(tx, {
    ...o.who,
    action: 'rollout.start',
    cluster: { id: o.cluster.id, name: o.cluster.name },
    target: `${o.cluster.name} r${o.revision}`,
    beforeRevision: o.from.number,
    afterRevision: o.revision,
    details: { kind: rollback ? 'rollback' : 'rollout', policy, steps: steps.map((s) => s.directors.map((d) => d.name)) },
  });
  return true;
}
