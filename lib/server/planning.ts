// Plan preview: what each director would run for a candidate config, computed exactly as its agent
// will (drains resolved, unhealthy servers overlaid, then plan() against the last live table the
// agent reported), with each op's impact on live connections (lib/ipvs/impact.ts, counted from the
// director's newest stats). Nothing here writes anything.
import type { DirectorPlan, PlanImpact, PlanPreview } from '../api/schemas';
import type { Director } from '../generated/sqlite/client';
import { diffConfigs } from '../ipvs/diff';
import { directorTarget, unhealthyServerIds } from '@/lib/ipvs/target';
import { configHash } from './config-hash';
import { emptyConfig, type DirectorConfig } from '../ipvs/model';
import { classifyOps, countCuts, plannedCuts } from '../ipvs/impact';
import { realServerKeyId, serviceKeyId, serverKeyId } from '../ipvs/keys';
import type { Op } from '../ipvs/op';
import { opToCommandLine, summarizeOps } from '../ipvs/ops';
import { plan } from '../ipvs/plan';
import { printRules } from '../ipvs/rules';
import type { HealthState } from '../protocol/messages';
import { statsStore } from './stats';
import { actualConfig, directorStatus } from './views';
import { PHASE_MS, yieldEvery, yieldToEventLoop } from './yield';

/** What the agent would make the kernel run (lib/ipvs/target.ts), with no live connection counts: drains hold until their deadlines. */
export function effectiveDesired(desired: DirectorConfig, createdAt: Date, health: HealthState[], now = new Date()): DirectorConfig {
  return effectiveTarget(desired, createdAt, health, now).config;
}

function effectiveTarget(desired: DirectorConfig, createdAt: Date, health: HealthState[], now: Date) {
  return directorTarget(desired, { unhealthy: unhealthyServerIds(health), drains: { live: null, now, revisionCreatedAt: createdAt } });
}

/** A director's newest live connections per stats series (null: no fresh stats). */
export type LiveConnections = (directorId: string, now: Date) => { t: number; conns: ReadonlyMap<string, number> } | null;
const storeConnections: LiveConnections = (id, now) => statsStore.connections(id, now.getTime());

/** Each op's impact on live connections, and what the plan cuts in all on this director. */
export function planImpact(ops: readonly Op[], actual: DirectorConfig | null, live: ReturnType<LiveConnections>): PlanImpact {
  // the servers of a deleted service tell a key change from a removal; built only when one is deleted
  const servers = actual && ops.some((o) => o.op === 'delete-service') ? new Map(actual.services.map((s) => [serviceKeyId(s), s.realServers.map(realServerKeyId)])) : undefined;
  const classified = classifyOps(ops, servers);
  const unsafeOps = classified.filter((c) => !c.safe).length;
  if (!unsafeOps) return { ops: classified, unsafeOps, cuts: 0, statsAt: live ? new Date(live.t).toISOString() : null };
  const counted = countCuts(ops, classified, live?.conns ?? null);
  return { ops: counted.ops, unsafeOps, cuts: counted.cuts, statsAt: live ? new Date(live.t).toISOString() : null };
}

/**
 * Directors of one preview that reported the same live table (same actualHash) and the same health
 * plan the same ops: a fleet of identical directors parses its table and plans once, not once each.
 */
export interface PlanMemo {
  actual: Map<string, DirectorConfig | null>;
  planned: Map<string, { target: ReturnType<typeof effectiveTarget>; ops: Op[] }>;
}
export const planMemo = (): PlanMemo => ({ actual: new Map(), planned: new Map() });

export function planForDirector(
  d: Director,
  clusterName: string,
  desired: DirectorConfig,
  createdAt: Date,
  now = new Date(),
  live: LiveConnections = storeConnections,
  memo: PlanMemo = planMemo(),
): DirectorPlan {
  const status = directorStatus(d, clusterName, null, now.getTime());
  const key = d.actualHash;
  let actual: DirectorConfig | null;
  if (key === null) actual = actualConfig(d);
  else if (memo.actual.has(key)) actual = memo.actual.get(key)!;
  else memo.actual.set(key, (actual = actualConfig(d)));
  const planKey = key === null ? null : `${key}|${JSON.stringify(status.health)}`;
  let planned = planKey === null ? undefined : memo.planned.get(planKey);
  if (!planned) {
    const t = effectiveTarget(desired, createdAt, status.health, now);
    planned = { target: t, ops: plan(t.config, actual ?? emptyConfig()) };
    if (planKey !== null) memo.planned.set(planKey, planned);
  }
  const { target, ops } = planned;
  const reasons = new Map(status.health.map((h) => [serverKeyId(h.service, h.server), h.reason]));
  const guarded = target.guarded.map((g) => ({ ...g, reason: reasons.get(serverKeyId(g.service, g.server)) ?? 'failing' }));
  return {
    director: d.name,
    directorId: d.id,
    connected: status.connected,
    basis: actual ? 'reported' : 'none',
    basisReportedAt: actual ? (d.actualReportedAt?.toISOString() ?? null) : null,
    basisVerifiedAt: actual ? status.lastVerifiedAt : null,
    ops,
    commands: ops.map(opToCommandLine),
    summary: summarizeOps(ops) || 'no changes',
    ...(guarded.length ? { guarded } : {}),
    impact: planImpact(ops, actual, live(d.id, now)),
  };
}

/** "+1 service, 2 weights changed" between two configs, plus what the kernel plan cannot show (drains, health checks). */
export function changeSummary(before: DirectorConfig, after: DirectorConfig): string {
  const parts: string[] = [];
  const ops = summarizeOps(plan(stripOverlays(after), stripOverlays(before)));
  if (ops) parts.push(ops);
  const drains = (c: DirectorConfig) => new Set(c.services.flatMap((s) => s.realServers.filter((r) => r.drain).map((r) => serverKeyId(s, r))));
  const a = drains(before);
  const newDrains = [...drains(after)].filter((k) => !a.has(k)).length;
  if (newDrains) parts.push(`${newDrains} real server${newDrains > 1 ? 's' : ''} draining`);
  const hc = (c: DirectorConfig) => new Map(c.services.map((s) => [serviceKeyId(s), JSON.stringify(s.healthCheck ?? null)]));
  const hb = hc(before);
  const hcChanged = [...hc(after)].filter(([k, v]) => hb.has(k) && hb.get(k) !== v).length;
  if (hcChanged) parts.push(`${hcChanged} health check${hcChanged > 1 ? 's' : ''} changed`);
  return parts.join(', ') || 'no changes';
}

/** The kernel's view: no drain markers (they are intent) and no health checks (agent-side). */
function stripOverlays(c: DirectorConfig): DirectorConfig {
  return {
    ...c,
    services: c.services.map((s) => {
      const { healthCheck: _h, ...rest } = s;
      return { ...rest, realServers: s.realServers.map(({ drain: _d, ...r }) => r) } as typeof s;
    }),
  };
}

/** The preview of `config`; async only to let other requests run between its phases (large configs). */
export async function buildPreview(opts: {
  clusterName: string;
  baseRevision: number;
  baseConfig: DirectorConfig;
  currentRevision: number;
  config: DirectorConfig;
  directors: Director[];
  now?: Date;
  /** known hashes save recomputing them */
  hash?: string;
  baseHash?: string;
}): Promise<PlanPreview> {
  const now = opts.now ?? new Date();
  const pause = yieldEvery(PHASE_MS);
  const hash = opts.hash ?? configHash(opts.config);
  const unchanged = hash === (opts.baseHash ?? configHash(opts.baseConfig));
  // between the phases always (three turns a commit); between directors only once a phase's budget
  // is spent, so a fleet's cheap, memoized plans do not each wait behind the stats POSTs queued meanwhile
  await yieldToEventLoop();
  const diff = diffConfigs(opts.baseConfig, opts.config);
  await yieldToEventLoop();
  const summary = changeSummary(opts.baseConfig, opts.config);
  await yieldToEventLoop();
  const rules = { before: printRules(opts.baseConfig), after: printRules(opts.config) };
  const directors: DirectorPlan[] = [];
  const memo = planMemo();
  for (const d of opts.directors.filter((x) => !x.revoked)) {
    await pause();
    directors.push(planForDirector(d, opts.clusterName, opts.config, now, now, storeConnections, memo));
  }
  return { baseRevision: opts.baseRevision, currentRevision: opts.currentRevision, config: opts.config, hash, unchanged, diff, summary, rules, directors };
}

/** A plan's ops that cut live connections, per director: what a commit must be confirmed for. */
export function predictedCuts(preview: Pick<PlanPreview, 'directors'>): { total: number; cuts: { director: string; command: string; connections: number }[] } {
  const { rows, known } = plannedCuts(preview.directors);
  return { total: known, cuts: rows.flatMap((r) => (r.connections ? [{ ...r, connections: r.connections }] : [])) };
}
