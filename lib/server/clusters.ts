// Clusters: a named group of directors that run one desired config (the current revision).
import type { z } from 'zod';
import type { ClusterDetail, ClusterSummary, CreateClusterRequestSchema, UpdateClusterRequestSchema } from '../api/schemas';
import type { Director } from '../generated/sqlite/client';
import { configHash } from './config-hash';
import { emptyConfig, type DirectorConfig } from '../ipvs/model';
import { audit } from './audit';
import { bus } from './bus';
import { db } from './db';
import { conflict } from './errors';
import { findCluster, type Actor, type ClusterWithCurrent } from './revisions';
import { statsStore } from './stats';
import { directorStatus, revisionConfig, revisionSummary, storedConfigText } from './views';

type ClusterRow = ClusterWithCurrent & { directors: Director[] };

function summarize(c: ClusterRow, now = Date.now()): ClusterSummary & { config: DirectorConfig } {
  const cur = c.currentRevision;
  const config = cur ? revisionConfig(cur) : emptyConfig();
  const desired = cur ? { number: cur.number, hash: cur.hash } : null;
  const directors = c.directors.map((d) => directorStatus(d, c.name, desired, now)).sort((a, b) => a.name.localeCompare(b.name));
  const active = directors.filter((d) => !d.revoked);
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    driftPolicy: c.driftPolicy === 'report' ? 'report' : 'enforce',
    currentRevision: cur ? revisionSummary({ ...cur, parent: null }) : null,
    services: config.services.length,
    realServers: config.services.reduce((n, s) => n + s.realServers.length, 0),
    directors,
    alerts: {
      offline: active.filter((d) => d.state === 'offline').length,
      failed: active.filter((d) => d.state === 'failed').length,
      drift: active.filter((d) => d.state === 'drift').length,
      unhealthy: active.reduce((n, d) => n + d.health.filter((h) => !h.healthy).length, 0),
      draining: config.services.reduce((n, s) => n + s.realServers.filter((r) => r.drain).length, 0),
    },
    live: statsStore.liveTotals(active.map((d) => d.id)),
    createdAt: c.createdAt.toISOString(),
    config,
  };
}

export async function listClusters(): Promise<{ clusters: ClusterSummary[] }> {
  // live totals come from this process's store; with several processes it hears the others' stats (lib/server/start.ts)
  const prisma = await db();
  const rows = await prisma.cluster.findMany({ include: { currentRevision: true, directors: true }, orderBy: { name: 'asc' } });
  return {
    clusters: rows.map((r) => {
      const { config: _c, ...s } = summarize(r);
      return s;
    }),
  };
}

/** A cluster with its config; with `first`, only the config's first services (the summary's counts stay whole). */
export async function getClusterDetail(ref: string, first?: number): Promise<ClusterDetail> {
  const c = await findCluster(ref);
  const prisma = await db();
  const directors = await prisma.director.findMany({ where: { clusterId: c.id } });
  const d = summarize({ ...c, directors });
  return first === undefined ? d : { ...d, config: { ...d.config, services: d.config.services.slice(0, first) } };
}

export async function createCluster(input: z.output<typeof CreateClusterRequestSchema>, who: Actor): Promise<ClusterDetail> {
  const prisma = await db();
  const config = input.config ?? emptyConfig();
  if (await prisma.cluster.findUnique({ where: { name: input.name } })) throw conflict(`a cluster named ${input.name} already exists`, [{ path: 'name', message: 'already taken' }]);
  try {
    await prisma.$transaction(async (tx) => {
      const c = await tx.cluster.create({ data: { name: input.name, description: input.description, driftPolicy: input.driftPolicy } });
      const rev = await tx.configRevision.create({
        data: {
          clusterId: c.id,
          number: 1,
          author: who.actor,
          message: input.config ? 'initial config' : 'cluster created (empty config)',
          config: storedConfigText(config),
          hash: configHash(config),
          summary: `${config.services.length} service${config.services.length === 1 ? '' : 's'}`,
        },
      });
      await tx.cluster.update({ where: { id: c.id }, data: { currentRevisionId: rev.id } });
      await audit(tx, {
        actor: who.actor,
        action: 'cluster.create',
        cluster: { id: c.id, name: c.name },
        target: c.name,
        afterRevision: 1,
        clientIp: who.clientIp,
        details: { driftPolicy: input.driftPolicy, services: config.services.length },
      });
    });
  } catch (e) {
    if ((e as { code?: string }).code === 'P2002') throw conflict(`a cluster named ${input.name} already exists`, [{ path: 'name', message: 'already taken' }]);
    throw e;
  }
  return getClusterDetail(input.name);
}

export async function updateCluster(ref: string, input: z.output<typeof UpdateClusterRequestSchema>, who: Actor): Promise<ClusterDetail> {
  const c = await findCluster(ref);
  const prisma = await db();
  if (input.name && input.name !== c.name && (await prisma.cluster.findUnique({ where: { name: input.name } }))) {
    throw conflict(`a cluster named ${input.name} already exists`, [{ path: 'name', message: 'already taken' }]);
  }
  const before = { name: c.name, description: c.description, driftPolicy: c.driftPolicy };
  await prisma.$transaction(async (tx) => {
    await tx.cluster.update({ where: { id: c.id }, data: input });
    await audit(tx, { actor: who.actor, action: 'cluster.update', cluster: { id: c.id, name: input.name ?? c.name }, target: c.name, clientIp: who.clientIp, details: { before, after: input } });
  });
  // agents carry the cluster's name and drift policy in every desired event
  if ((input.name && input.name !== c.name) || (input.driftPolicy && input.driftPolicy !== c.driftPolicy)) await bus.publish({ k: 'cluster', clusterId: c.id });
  return getClusterDetail(c.id);
}

export async function deleteCluster(ref: string, who: Actor): Promise<void> {
  const c = await findCluster(ref);
  const prisma = await db();
  const directors = await prisma.director.findMany({ where: { clusterId: c.id }, select: { id: true, name: true } });
  await prisma.$transaction(async (tx) => {
    await tx.cluster.update({ where: { id: c.id }, data: { currentRevisionId: null } });
    await tx.cluster.delete({ where: { id: c.id } });
    await audit(tx, {
      actor: who.actor,
      action: 'cluster.delete',
      cluster: { id: c.id, name: c.name },
      target: c.name,
      beforeRevision: c.currentRevision?.number ?? null,
      clientIp: who.clientIp,
      details: { directors: directors.map((d) => d.name) },
    });
  });
  for (const d of directors) await bus.publish({ k: 'director-gone', directorId: d.id });
}
