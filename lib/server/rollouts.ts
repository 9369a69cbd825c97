// Staged rollouts (issue 14). A revision committed under a policy other than "all" starts a
// rollout: its first step's directors follow the cluster's current revision, every other director
// is pinned (Director.pinnedRevision) to the revision it ran, so the hub keeps pushing that one to
// it. Every process ticks the running rollouts once a second and evaluates the current step's gates
// (lib/api/rollout.ts, pure); a passing step unpins the next step's directors and tells the hubs
// over the bus, a holding one stops the rollout and raises `rollout_held`. Every write is a
// compare-and-set on the rollout's `version` inside a transaction with its audit event, so with
// several console processes exactly one of them moves a rollout, and all state lives in the
// database (a restarted console carries on where the rollout stood).
import { z } from 'zod';
import {
  ackedAt,
  evaluateGates,
  heldBy,
  RolloutStepSchema,
  stepVerdict,
  type GateDirector,
  type Rollout,
  type RolloutAction,
  type RolloutPolicy,
  type RolloutState,
  type RolloutStep,
} from '../api/rollout';
import type { Rollout as RolloutRow } from '../generated/sqlite/client';
import { raiseAlert } from './alerts/raise';
import { audit, type AuditEntry } from './audit';
import { bus } from './bus';
import { db, type Tx } from './db';
import { completeDrains } from './directors';
import { conflict, notFound } from './errors';
import { commitConfig, findCluster, findRevision, type Actor } from './revisions';
import { baseline, parsePolicy, unhealthyOf } from './rollout-start';
import { statsStore } from './stats';
import { revisionConfig } from './views';

/** The rate after a step is the mean of at most this many seconds after its ACK. */
const AFTER_SECONDS = 30;
const TICK_MS = 1000;

type RowWithCluster = RolloutRow & { cluster: { name: string } };

const parseSteps = (text: string): RolloutStep[] => z.array(RolloutStepSchema).parse(JSON.parse(text));

// ---- the cluster's policy -------------------------------------------------------------------

export async function getRolloutPolicy(clusterRef: string): Promise<RolloutPolicy> {
  return parsePolicy((await findCluster(clusterRef)).rolloutPolicy);
}

export async function setRolloutPolicy(clusterRef: string, policy: RolloutPolicy, who: Actor): Promise<RolloutPolicy> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  await prisma.$transaction(async (tx) => {
    await tx.cluster.update({ where: { id: c.id }, data: { rolloutPolicy: JSON.stringify(policy) } });
    await audit(tx, { ...who, action: 'cluster.rollout-policy', cluster: { id: c.id, name: c.name }, target: c.name, details: { before: parsePolicy(c.rolloutPolicy), after: policy } });
  });
  return policy;
}

// ---- moving one: compare-and-set -------------------------------------------------------------

class LostRace extends Error {}

/** Write `data` if nobody moved the rollout since `row` was read; with its audit event and side writes. */
async function cas(row: RolloutRow, data: { state?: RolloutState; step?: number; steps?: RolloutStep[] }, entry: AuditEntry | null, also?: (tx: Tx) => Promise<unknown>): Promise<boolean> {
  const prisma = await db();
  try {
    await prisma.$transaction(async (tx) => {
      const r = await tx.rollout.updateMany({
        where: { id: row.id, version: row.version },
        data: { state: data.state, step: data.step, steps: data.steps ? JSON.stringify(data.steps) : undefined, version: row.version + 1 },
      });
      if (r.count !== 1) throw new LostRace();
      await also?.(tx);
      if (entry) await audit(tx, entry);
    });
    return true;
  } catch (e) {
    if (e instanceof LostRace) return false;
    throw e;
  }
}

const system = { actor: 'system', clientIp: null };

/**
 * Evaluate a running rollout's current step once: store its gates, and advance, finish or hold.
 * Returns what happened ('lost' when another process moved it first).
 */
export async function evaluateRollout(row: RowWithCluster, now = Date.now()): Promise<'pending' | 'advanced' | 'done' | 'held' | 'lost' | 'idle'> {
  if (row.state !== 'running') return 'idle';
  const prisma = await db();
  const policy = parsePolicy(row.policy);
  const steps = parseSteps(row.steps);
  const cur = steps[row.step]!;
  const ids = cur.directors.map((d) => d.id);
  const rows = await prisma.director.findMany({ where: { id: { in: ids } } });
  const directors: GateDirector[] = rows.map((d) => ({
    name: d.name,
    appliedRevision: d.appliedRevision,
    appliedAt: d.appliedAt?.toISOString() ?? null,
    lastError: nackOf(d.lastError),
    unhealthy: unhealthyOf(d),
  }));
  const acked = ackedAt(row.revision, directors);
  const sec = Math.floor(now / 1000);
  const cpsAfter = acked === null ? null : statsStore.meanCps(ids, Math.max(Math.ceil(acked / 1000), sec - AFTER_SECONDS), sec);
  const gates = evaluateGates({ revision: row.revision, policy, step: cur, directors, cpsAfter, now });
  const verdict = stepVerdict(gates);
  const cluster = { id: row.clusterId, name: row.cluster.name };
  const base = { ...system, cluster, target: `${cluster.name} r${row.revision} step ${row.step + 1}/${steps.length}`, beforeRevision: row.fromRevision, afterRevision: row.revision };
  const changed = JSON.stringify(gates) !== JSON.stringify(cur.gates);
  cur.gates = gates;
  if (verdict === 'pending') return changed && !(await cas(row, { steps }, null)) ? 'lost' : 'pending';
  if (verdict === 'hold') {
    const gate = heldBy(gates)!;
    if (!(await cas(row, { state: 'held', steps }, { ...base, action: 'rollout.held', details: { step: row.step + 1, gate: gate.name, reason: gate.reason } }))) return 'lost';
    raiseAlert({
      kind: 'rollout_held',
      clusterId: row.clusterId,
      subject: `r${row.revision}`,
      summary: `${cluster.name}: the rollout of r${row.revision} is held at step ${row.step + 1} (${gate.name}: ${gate.reason})`.slice(0, 500),
      details: { revision: row.revision, step: row.step + 1, gate: gate.name, reason: gate.reason },
      at: now,
    });
    return 'held';
  }
  cur.finishedAt = new Date(now).toISOString();
  const last = row.step === steps.length - 1;
  if (last) {
    const ok = await cas(row, { state: 'done', steps }, { ...base, action: 'rollout.done', details: { step: row.step + 1, gates } }, (tx) =>
      tx.director.updateMany({ where: { clusterId: row.clusterId }, data: { pinnedRevision: null, pinnedHash: null } }),
    );
    if (!ok) return 'lost';
    await bus.publish({ k: 'revision', clusterId: row.clusterId });
    // drains that finished while the rollout moved could not be committed then (409): now they can
    await completeDrains(row.clusterId).catch((e: unknown) => console.error(`[lvs-console] rollout of ${cluster.name} r${row.revision}: completing drains failed:`, (e as Error).message));
    return 'done';
  }
  const next = steps[row.step + 1]!;
  const nextIds = next.directors.map((d) => d.id);
  next.startedAt = new Date(now).toISOString();
  next.baseline = baseline(await prisma.director.findMany({ where: { id: { in: nextIds } }, select: { id: true, name: true, health: true } }), now);
  const ok = await cas(
    row,
    { step: row.step + 1, steps },
    { ...base, action: 'rollout.step', details: { passed: row.step + 1, next: row.step + 2, directors: next.directors.map((d) => d.name), gates } },
    (tx) => tx.director.updateMany({ where: { id: { in: nextIds } }, data: { pinnedRevision: null, pinnedHash: null } }),
  );
  if (!ok) return 'lost';
  // the hubs of every process push the revision to the directors just unpinned
  await bus.publish({ k: 'revision', clusterId: row.clusterId });
  return 'advanced';
}

function nackOf(v: unknown): GateDirector['lastError'] {
  const r = z.object({ revision: z.number().int(), message: z.string() }).safeParse(v);
  return r.success ? r.data : null;
}

/** Every running rollout, once (each process, every second). */
export async function tickRollouts(now = Date.now()): Promise<void> {
  const prisma = await db();
  const rows = await prisma.rollout.findMany({ where: { state: 'running' }, include: { cluster: { select: { name: true } } } });
  for (const r of rows) {
    try {
      await evaluateRollout(r, now);
    } catch (e) {
      console.error(`[lvs-console] rollout of ${r.cluster.name} r${r.revision}: evaluation failed:`, (e as Error).message);
    }
  }
}

let timer: NodeJS.Timeout | null = null;
/** Start ticking (idempotent); one tick at a time. */
export function startRolloutEngine(): void {
  if (timer) return;
  let busy = false;
  timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tickRollouts()
      .catch((e: unknown) => console.error('[lvs-console] rollouts: tick failed:', (e as Error).message))
      .finally(() => (busy = false));
  }, TICK_MS);
  timer.unref();
}

export function stopRolloutEngine(): void {
  if (timer) clearInterval(timer);
  timer = null;
}

// ---- reading ---------------------------------------------------------------------------------

function toApi(r: RowWithCluster): Rollout {
  return {
    id: r.id,
    cluster: r.cluster.name,
    revision: r.revision,
    fromRevision: r.fromRevision,
    kind: r.kind === 'rollback' ? 'rollback' : 'rollout',
    policy: parsePolicy(r.policy),
    state: r.state as RolloutState,
    step: r.step,
    steps: parseSteps(r.steps),
    author: r.author,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function listRollouts(clusterRef: string): Promise<{ rollouts: Rollout[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const rows = await prisma.rollout.findMany({ where: { clusterId: c.id }, orderBy: { revision: 'desc' }, take: 20, include: { cluster: { select: { name: true } } } });
  return { rollouts: rows.map(toApi) };
}

async function findRollout(clusterRef: string, revision: number): Promise<RowWithCluster> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const r = await prisma.rollout.findUnique({ where: { clusterId_revision: { clusterId: c.id, revision } }, include: { cluster: { select: { name: true } } } });
  if (!r) throw notFound(`cluster ${c.name} has no staged rollout of revision ${revision}`);
  return r;
}

export async function getRollout(clusterRef: string, revision: number): Promise<Rollout> {
  return toApi(await findRollout(clusterRef, revision));
}

// ---- pause, resume, abort, rollback ----------------------------------------------------------

const ALLOWED: Record<Exclude<RolloutAction['action'], 'rollback'>, { from: RolloutState[]; to: RolloutState }> = {
  pause: { from: ['running', 'held'], to: 'paused' },
  resume: { from: ['paused', 'held'], to: 'running' },
  abort: { from: ['running', 'paused', 'held'], to: 'aborted' },
};

export async function rolloutAction(clusterRef: string, revision: number, req: RolloutAction, who: Actor): Promise<Rollout> {
  const row = await findRollout(clusterRef, revision);
  const state = row.state as RolloutState;
  if (req.action === 'rollback') return rollbackRollout(row, req.message, who);
  const rule = ALLOWED[req.action];
  if (!rule.from.includes(state)) {
    throw conflict(`the rollout of r${revision} is ${state}: it cannot ${req.action === 'abort' ? 'be aborted' : req.action === 'pause' ? 'be paused' : 'be resumed'}`, [
      { path: 'action', message: `not allowed while ${state}` },
    ]);
  }
  const cluster = { id: row.clusterId, name: row.cluster.name };
  const ok = await cas(
    row,
    { state: rule.to },
    {
      ...who,
      action: `rollout.${req.action}`,
      cluster,
      target: `${cluster.name} r${revision}`,
      beforeRevision: row.fromRevision,
      afterRevision: revision,
      details: { from: state, step: row.step + 1 },
    },
  );
  if (!ok) throw conflict(`the rollout of r${revision} changed meanwhile; look again`, [{ path: 'action', message: 'stale' }]);
  if (req.action === 'abort') {
    raiseAlert({
      kind: 'rollout_aborted',
      clusterId: row.clusterId,
      subject: `r${revision}`,
      summary: `${cluster.name}: ${who.actor} aborted the rollout of r${revision} at step ${row.step + 1}`.slice(0, 500),
      details: { revision, step: row.step + 1, by: who.actor },
      at: Date.now(),
    });
  }
  return getRollout(cluster.id, revision);
}

/** The directors that were told to run the rollout's revision (its started steps). */
const tookIt = (steps: RolloutStep[]) => steps.filter((s) => s.startedAt !== null).flatMap((s) => s.directors.map((d) => d.id));

/** After an abort: a new revision equal to the one before, pushed only to the directors that took the new one. */
async function rollbackRollout(row: RowWithCluster, message: string | undefined, who: Actor): Promise<Rollout> {
  if (row.state !== 'aborted') {
    throw conflict(`the rollout of r${row.revision} is ${row.state}: abort it before rolling back`, [{ path: 'action', message: `not allowed while ${row.state}` }]);
  }
  const cluster = await findCluster(row.clusterId);
  if (cluster.currentRevision?.number !== row.revision) {
    throw conflict(`${cluster.name} is at r${cluster.currentRevision?.number}, not r${row.revision}: roll back from the history instead`, [{ path: 'action', message: 'a newer revision exists' }]);
  }
  const from = await findRevision(cluster.id, cluster.name, row.fromRevision);
  const r = await commitConfig({
    cluster,
    baseRevision: row.revision,
    config: revisionConfig(from),
    message: message ?? `roll back the aborted rollout of r${row.revision} to r${from.number}`,
    who,
    action: 'revision.rollback',
    details: { toRevision: from.number, abortedRollout: row.revision },
    rollout: { rollbackDirectorIds: tookIt(parseSteps(row.steps)) },
  });
  return getRollout(cluster.id, r.revision.number);
}
