// The append-only audit log: every mutation and every sign-in attempt. Written in the same
// transaction as the change it describes, so the log never disagrees with the data. Nothing in
// the code updates or deletes an AuditEvent.
import type { z } from 'zod';
import type { AuditEvent, AuditQuerySchema } from '../api/schemas';
import type { Prisma } from '../generated/sqlite/client';
import type { DbOrTx } from './db';
import { badRequest } from './errors';

export interface AuditEntry {
  /** "alice", "alice (token deploy-bot)", "agent:sim-1", "system" */
  actor: string;
  /** dotted verb: login.success, revision.commit, director.revoke, ... */
  action: string;
  cluster?: { id: string; name: string } | null;
  target?: string | null;
  beforeRevision?: number | null;
  afterRevision?: number | null;
  clientIp?: string | null;
  details?: unknown;
}

export async function audit(dbx: DbOrTx, e: AuditEntry): Promise<void> {
  await dbx.auditEvent.create({
    data: {
      actor: e.actor,
      action: e.action,
      clusterId: e.cluster?.id ?? null,
      clusterName: e.cluster?.name ?? null,
      target: e.target ?? null,
      beforeRevision: e.beforeRevision ?? null,
      afterRevision: e.afterRevision ?? null,
      clientIp: e.clientIp ?? null,
      details: e.details === undefined ? undefined : (JSON.parse(JSON.stringify(e.details)) as Prisma.InputJsonValue),
    },
  });
}

type Query = z.output<typeof AuditQuerySchema>;

/** Newest first; keyset pagination on (at, id) so pages stay stable while events keep arriving. */
/** The usual entry: in `cluster`, `who` did `action` to `target`. */
export function auditAction(dbx: DbOrTx, who: { actor: string; clientIp: string | null }, cluster: { id: string; name: string }, action: string, target: string, details?: unknown): Promise<void> {
  return audit(dbx, { actor: who.actor, action, cluster: { id: cluster.id, name: cluster.name }, target, clientIp: who.clientIp, details });
}

export async function queryAudit(dbx: DbOrTx, q: Query): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  const and: Prisma.AuditEventWhereInput[] = [];
  // "alice" matches alice's own actions and those of her API tokens ("alice (token x)")
  if (q.actor) and.push({ OR: [{ actor: q.actor }, { actor: { startsWith: `${q.actor} (` } }] });
  if (q.action) and.push(q.action.endsWith('.') ? { action: { startsWith: q.action } } : { action: q.action });
  if (q.cluster) and.push({ OR: [{ clusterId: q.cluster }, { clusterName: q.cluster }] });
  if (q.from) and.push({ at: { gte: new Date(q.from) } });
  if (q.to) and.push({ at: { lt: new Date(q.to) } });
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    and.push({ OR: [{ at: { lt: c.at } }, { at: c.at, id: { lt: c.id } }] });
  }
  const rows = await dbx.auditEvent.findMany({
    where: and.length ? { AND: and } : {},
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      cluster: r.clusterName,
      target: r.target,
      beforeRevision: r.beforeRevision,
      afterRevision: r.afterRevision,
      clientIp: r.clientIp,
      details: r.details ?? null,
    })),
    nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.at.toISOString()}|${last.id}`).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const d = new Date(at ?? '');
  if (!id || Number.isNaN(d.getTime())) throw badRequest('invalid query', [{ path: 'cursor', message: 'cursor is not one this API returned' }]);
  return { at: d, id };
}
