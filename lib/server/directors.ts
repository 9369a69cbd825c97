// Directors: registration (a token shown once, stored as its SHA-256), revocation, rotation, the
// status their agents report, and the two answers to drift (re-apply desired, adopt actual).
import type { CommitResult, DirectorDetail, DirectorPlan, DirectorStatus } from '../api/schemas';
import type { Director, Prisma } from '../generated/sqlite/client';
import { realServerLabel, serviceLabel, type DirectorConfig, type RealServerKey, type ServiceKey } from '../ipvs/model';
import { serviceKeyId, serverKeyId } from '../ipvs/keys';
import { protocolMismatch, type Report } from '../protocol/messages';
import { audit, auditAction } from './audit';
import { forgetDirectorTokens, type DirectorPrincipal } from './auth/principal';
import { newToken, tokenHash, tokenPrefix } from './auth/secrets';
import { bus } from './bus';
import { db } from './db';
import { configHash } from './config-hash';
import { conflict, HttpError, notFound, unprocessable } from './errors';
import { metrics } from './metrics';
import { directorStatusChanged } from './status-feed';
import { planForDirector } from './planning';
import { commitConfig, findCluster, type Actor, type ClusterWithCurrent } from './revisions';
import { actualConfig, directorStatus, isConnected, revisionConfig } from './views';
import { DirectorConfigSchema } from '../ipvs/model';
import { applyChanges } from '../api/changes';
import { ALL_AT_ONCE } from '../api/rollout';
import { evaluateHa, storedHa } from './ha';
import { raiseAlert } from './alerts/raise';
import { recordHealthTransitions } from './health-history';
import { ackWriter, JSON_NULL } from './acks';

async function findDirector(cluster: ClusterWithCurrent, name: string): Promise<Director> {
  const prisma = await db();
  const d = (await prisma.director.findUnique({ where: { clusterId_name: { clusterId: cluster.id, name } } })) ?? (await prisma.director.findFirst({ where: { id: name, clusterId: cluster.id } }));
  if (!d) throw notFound(`cluster ${cluster.name} has no director named ${name}`);
  return d;
}

const desiredOf = (c: ClusterWithCurrent) => (c.currentRevision ? { number: c.currentRevision.number, hash: c.currentRevision.hash } : null);

export async function listDirectors(clusterRef: string): Promise<{ directors: DirectorStatus[] }> {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  const rows = await prisma.director.findMany({ where: { clusterId: c.id }, orderBy: { name: 'asc' } });
  return { directors: rows.map((d) => directorStatus(d, c.name, desiredOf(c))) };
}

export async function getDirector(clusterRef: string, name: string): Promise<DirectorDetail> {
  const c = await findCluster(clusterRef);
  const d = await findDirector(c, name);
  return { ...directorStatus(d, c.name, desiredOf(c)), actual: actualConfig(d), ha: storedHa(d.ha), haReportedAt: d.haReportedAt?.toISOString() ?? null };
}

export function agentCommand(serverUrl: string, directorName: string): string {
  return `lvs-agent run --server ${serverUrl} --token-file /etc/lvs-agent/${directorName}.token --engine ipvsadm`;
}

export async function registerDirector(clusterRef: string, name: string, who: Actor, serverUrl: string) {
  const c = await findCluster(clusterRef);
  const prisma = await db();
  if (await prisma.director.findUnique({ where: { clusterId_name: { clusterId: c.id, name } } })) {
    throw conflict(`cluster ${c.name} already has a director named ${name}`, [{ path: 'name', message: 'already taken' }]);
  }
  const token = newToken('director');
  const d = await prisma.$transaction(async (tx) => {
    const row = await tx.director.create({ data: { clusterId: c.id, name, tokenHash: tokenHash(token), tokenPrefix: tokenPrefix(token) } });
    await auditAction(tx, who, c, 'director.register', `${c.name}/${name}`, { tokenPrefix: row.tokenPrefix });
    return row;
  });
  await directorStatusChanged(c.id, [d.id]);
  return { director: directorStatus(d, c.name, desiredOf(c)), token, agentCommand: agentCommand(serverUrl, name) };
}

export async function rotateDirectorToken(clusterRef: string, name: string, who: Actor, serverUrl: string) {
  const c = await findCluster(clusterRef);
  const d0 = await findDirector(c, name);
  const prisma = await db();
  const token = newToken('director');
  const d = await prisma.$transaction(async (tx) => {
    // a rotation re-enrols a revoked director: the old token is dead either way
    const row = await tx.director.update({ where: { id: d0.id }, data: { tokenHash: tokenHash(token), tokenPrefix: tokenPrefix(token), revoked: false, connectedAt: null, connectionId: null } });
    await auditAction(tx, who, c, 'director.rotate', `${c.name}/${name}`, { oldPrefix: d0.tokenPrefix, newPrefix: row.tokenPrefix, wasRevoked: d0.revoked });
    return row;
  });
  await directorGone(d.id);
  await directorStatusChanged(c.id, [d.id]);
  return { director: directorStatus(d, c.name, desiredOf(c)), token, agentCommand: agentCommand(serverUrl, name) };
}

export async function revokeDirector(clusterRef: string, name: string, who: Actor): Promise<DirectorStatus> {
  const c = await findCluster(clusterRef);
  const d0 = await findDirector(c, name);
  const prisma = await db();
  const d = await prisma.$transaction(async (tx) => {
    const row = await tx.director.update({ where: { id: d0.id }, data: { revoked: true, connectedAt: null, connectionId: null } });
    await auditAction(tx, who, c, 'director.revoke', `${c.name}/${name}`, { tokenPrefix: d0.tokenPrefix });
    return row;
  });
  await directorGone(d.id);
  await directorStatusChanged(c.id, [d.id]);
  return directorStatus(d, c.name, desiredOf(c));
}

export async function deleteDirector(clusterRef: string, name: string, who: Actor): Promise<void> {
  const c = await findCluster(clusterRef);
  const d = await findDirector(c, name);
  const prisma = await db();
  await prisma.$transaction(async (tx) => {
    await tx.director.delete({ where: { id: d.id } });
    await auditAction(tx, who, c, 'director.delete', `${c.name}/${name}`, { tokenPrefix: d.tokenPrefix });
  });
  await directorGone(d.id);
  await directorStatusChanged(c.id, [d.id], true);
}

async function directorGone(directorId: string): Promise<void> {
  forgetDirectorTokens(directorId);
  await bus.publish({ k: 'director-gone', directorId });
}

export async function directorPlan(clusterRef: string, name: string): Promise<DirectorPlan> {
  const c = await findCluster(clusterRef);
  const d = await findDirector(c, name);
  if (!c.currentRevision) throw new HttpError(500, `cluster ${c.name} has no revision`);
  return planForDirector(d, c.name, revisionConfig(c.currentRevision), c.currentRevision.createdAt);
}

/** Drift, answer 1: run a reconcile now (with drift policy "report" the agent re-applies only when asked). */
export async function reapply(clusterRef: string, name: string, who: Actor): Promise<{ sent: boolean; revision: number }> {
  const c = await findCluster(clusterRef);
  const d = await findDirector(c, name);
  if (d.revoked) throw conflict(`director ${name} is revoked`);
  const prisma = await db();
  // a director a staged rollout holds back re-applies the revision it is pinned to
  const target = d.pinnedRevision ?? c.currentRevision?.number ?? null;
  await audit(prisma, {
    actor: who.actor,
    action: 'director.reapply',
    cluster: { id: c.id, name: c.name },
    target: `${c.name}/${name}`,
    afterRevision: target,
    clientIp: who.clientIp,
    details: { drift: d.drift ?? null },
  });
  await bus.publish({ k: 'reconcile', directorId: d.id, reason: `re-apply of revision ${target} requested by ${who.actor}` });
  return { sent: isConnected(d), revision: target ?? 0 };
}

/** Drift, answer 2: the director's live table becomes the next revision (health checks of the services that stay are kept). */
export async function adoptActual(clusterRef: string, name: string, req: { baseRevision: number; message?: string }, who: Actor): Promise<CommitResult> {
  const c = await findCluster(clusterRef);
  const d = await findDirector(c, name);
  const actual = actualConfig(d);
  if (!actual) throw unprocessable(`director ${name} has not reported its live table yet`, [{ path: 'director', message: 'no live state reported' }]);
  const desired = revisionConfig(c.currentRevision!);
  const config = adoptable(actual, desired);
  return commitConfig({
    cluster: c,
    baseRevision: req.baseRevision,
    config,
    message: req.message ?? `adopt the live state of ${name}${d.actualReportedAt ? ` (reported ${d.actualReportedAt.toISOString()})` : ''}`,
    who,
    action: 'revision.adopt',
    details: { director: name, reportedAt: d.actualReportedAt?.toISOString() ?? null },
  });
}

/** The live table as a desired config: kernel fields from `actual`, agent-side overlays from `desired`. */
export function adoptable(actual: DirectorConfig, desired: DirectorConfig): DirectorConfig {
  const hc = new Map(desired.services.map((s) => [serviceKeyId(s), s.healthCheck]));
  return DirectorConfigSchema.parse({
    globals: { timeouts: desired.globals.timeouts === null ? null : actual.globals.timeouts, syncDaemons: actual.globals.syncDaemons },
    services: actual.services.map((s) => {
      const h = hc.get(serviceKeyId(s));
      const { healthCheck: _h, ...rest } = s;
      return { ...rest, ...(h ? { healthCheck: h } : {}), realServers: s.realServers.map(({ drain: _d, ...r }) => r) };
    }),
  });
}

// ---- what agents report -------------------------------------------------------------------

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;

/** What a report needs of a revision: never its config. */
const REVISION_REF = { id: true, number: true, hash: true, createdAt: true } as const;

export async function handleReport(p: DirectorPrincipal, report: Report): Promise<void> {
  metrics.reports.inc({ type: report.type });
  // ACKs of a revision arrive from the whole fleet at once: they are written together (acks.ts)
  if (report.type === 'ack') return ackWriter.submit(p, report);
  const prisma = await db();
  const now = new Date();
  // no large JSON is read on this path, which every agent takes for every state and verified report:
  // not the director's live table, nor any revision (at 100+ agents such reads were a report's cost)
  const d = await prisma.director.findUnique({
    where: { id: p.directorId },
    omit: { actualConfig: true },
    include: { cluster: { select: { id: true, name: true, driftPolicy: true } } },
  });
  if (!d) throw notFound('this director no longer exists');
  const cluster = d.cluster;
  // what the agent's report changed, in the audit log under the agent's name
  const auditAgent = (action: string, revisions: { beforeRevision?: number | null; afterRevision: number | null }, details: unknown) =>
    audit(prisma, { actor: `agent:${d.name}`, action, cluster: { id: cluster.id, name: cluster.name }, target: `${cluster.name}/${d.name}`, ...revisions, details });
  const data: Record<string, unknown> = { lastSeenAt: now };
  switch (report.type) {
    case 'hello': {
      const mismatch = protocolMismatch(report.protocolVersion);
      if (mismatch) throw conflict(`agent refused: ${mismatch}`, [{ path: 'protocolVersion', message: mismatch }]);
      const c = report.capabilities;
      Object.assign(data, { facts: json(c), agentVersion: c.agentVersion, engine: c.engine });
      if (report.lastAppliedRevision !== null && d.appliedRevision === null) {
        const rev = await prisma.configRevision.findUnique({ where: { clusterId_number: { clusterId: cluster.id, number: report.lastAppliedRevision } }, select: REVISION_REF });
        if (rev) Object.assign(data, { appliedRevision: rev.number, appliedHash: rev.hash });
      }
      break;
    }
    case 'nack': {
      const prev = d.lastError as { revision?: number; message?: string } | null;
      const err = {
        revision: report.revision,
        failedOp: report.failedOp,
        command: report.command,
        message: report.message,
        exitCode: report.exitCode,
        opsApplied: report.opsApplied,
        at: now.toISOString(),
      };
      data.lastError = json(err);
      if (prev?.revision !== report.revision || prev?.message !== report.message) {
        await auditAgent('director.failed', { beforeRevision: d.appliedRevision, afterRevision: report.revision }, { command: report.command, message: report.message, exitCode: report.exitCode });
        raiseAlert({
          kind: 'nack',
          clusterId: cluster.id,
          directorId: d.id,
          subject: d.name,
          summary: `director ${d.name} refused revision ${report.revision}: ${report.message}`.slice(0, 500),
          details: { director: d.name, revision: report.revision, command: report.command, message: report.message, exitCode: report.exitCode, opsApplied: report.opsApplied },
          at: now.getTime(),
          dedupKey: `nack:${d.id}:${report.revision}:${now.getTime()}`,
        });
      }
      break;
    }
    case 'state': {
      // a state report is also a verification: the agent just read this table
      Object.assign(data, { actualConfig: json(report.actual), actualReportedAt: now, actualHash: configHash(report.actual), verifiedAt: now, drift: report.drift ? json(report.drift) : null });
      if (report.drift && !d.drift) {
        await auditAgent('director.drift', { afterRevision: d.appliedRevision }, { summary: report.drift.summary, ops: report.drift.ops.length });
        raiseAlert({
          kind: 'drift',
          clusterId: cluster.id,
          directorId: d.id,
          subject: d.name,
          summary: `director ${d.name} drifted from revision ${d.appliedRevision ?? '–'}: ${report.drift.summary}`.slice(0, 500),
          details: { director: d.name, revision: d.appliedRevision, summary: report.drift.summary, ops: report.drift.ops.length, policy: cluster.driftPolicy },
          at: now.getTime(),
          dedupKey: `drift:${d.id}:${report.drift.detectedAt}`,
        });
      }
      break;
    }
    case 'health':
      data.health = json(report.states);
      await recordHealthTransitions({ id: d.id, name: d.name, clusterId: cluster.id }, report.transitions ?? [], now.getTime());
      break;
    case 'drain':
      data.drains = json(report.drains);
      break;
    case 'ha':
      Object.assign(data, { ha: json(report.ha), haReportedAt: now });
      break;
    case 'verified':
      // only a verification of the table we hold counts (a lost state report will be re-sent)
      if (d.actualHash && report.hash === d.actualHash) data.verifiedAt = new Date(Math.min(Date.parse(report.at), now.getTime()));
      break;
  }
  // a cleared JSON field must be SQL NULL (Prisma refuses a bare null for Json columns)
  await prisma.director.update({ where: { id: d.id }, data: nullJson(data) });
  await directorStatusChanged(cluster.id, [d.id]);
  if (report.type === 'drain' && report.drains.some((x) => x.done)) await completeDrains(cluster.id);
  if (report.type === 'ha') await evaluateHa(cluster.id);
}

function nullJson(data: Record<string, unknown>): Prisma.DirectorUpdateInput {
  const out: Record<string, unknown> = { ...data };
  for (const k of Object.keys(out)) if (out[k] === null) out[k] = JSON_NULL;
  return out as Prisma.DirectorUpdateInput;
}

/**
 * A drain is complete when every connected director of the cluster says so (or no longer has the
 * server at all); then the server leaves the desired config in a system revision. A director that
 * is offline does not hold the others up: it gets the new revision when it returns.
 */
export async function completeDrains(clusterId: string, attempt = 0): Promise<void> {
  const prisma = await db();
  const cluster = await findCluster(clusterId);
  const cur = cluster.currentRevision;
  if (!cur) return;
  const config = revisionConfig(cur);
  const marked: { service: ServiceKey; server: RealServerKey }[] = [];
  for (const s of config.services) for (const r of s.realServers) if (r.drain) marked.push({ service: s, server: { address: r.address, port: r.port ?? 0 } });
  if (!marked.length) return;
  const directors = (await prisma.director.findMany({ where: { clusterId, revoked: false } })).filter((d) => isConnected(d));
  if (!directors.length) return;
  const id = (svc: ServiceKey, rs: RealServerKey) => serverKeyId(svc, rs);
  const doneOn = directors.map((d) => {
    const drains = (Array.isArray(d.drains) ? d.drains : []) as { service: ServiceKey; server: RealServerKey; done: boolean }[];
    const done = new Set(drains.filter((x) => x.done).map((x) => id(x.service, x.server)));
    const live = actualConfig(d);
    const present = new Set(live?.services.flatMap((s) => s.realServers.map((r) => id(s, { address: r.address, port: r.port ?? 0 }))) ?? []);
    return (k: string) => done.has(k) || (live !== null && !present.has(k));
  });
  const complete = marked.filter((m) => doneOn.every((isDone) => isDone(id(m.service, m.server))));
  if (!complete.length) return;
  const next = applyChanges(
    config,
    complete.map((m) => ({ op: 'remove-server' as const, service: m.service, server: m.server })),
  );
  const what = complete.map((m) => `${realServerLabel(m.server)} from ${serviceLabel(m.service)}`).join(', ');
  try {
    await commitConfig({
      cluster,
      baseRevision: cur.number,
      config: next,
      message: `system: drain of ${what} completed`,
      who: { actor: 'system', clientIp: null },
      action: 'revision.system',
      details: { drained: complete.map((m) => ({ service: serviceLabel(m.service), server: realServerLabel(m.server) })) },
      // housekeeping of a change already rolled out: never a staged rollout of its own
      rollout: { policy: ALL_AT_ONCE },
    });
  } catch (e) {
    // a staged rollout is still moving: its end runs this again (rollouts.ts)
    if (e instanceof HttpError && e.status === 409 && e.issues[0]?.path === 'rollout') return;
    // someone committed meanwhile: look again on top of their revision
    if (e instanceof HttpError && e.status === 409 && attempt < 3) return completeDrains(clusterId, attempt + 1);
    if (e instanceof HttpError && e.status === 422) return;
    throw e;
  }
}
