// ACKs, written in batches. A new revision reaches every agent of a cluster at once, so their ACKs
// arrive together: written one by one they queued behind each other on the database (~6 statements
// each through one SQLite connection) and the last ACK of a 100-agent fleet waited for the 99
// before it. Here ACKs that arrive while a batch is written (or within ACK_WINDOW_MS of the first)
// form the next batch: two reads and one transaction of O(1) statements whatever its size (one
// audit createMany, one director updateMany per distinct outcome), then one status event per cluster.
// Each ACK still gets its own answer: a revision it names that does not exist is its own 422.
import { objectEnumValues } from '@prisma/client/runtime/client';
import type { Prisma } from '../generated/sqlite/client';
import type { Report } from '../protocol/messages';
import type { DirectorPrincipal } from './auth/principal';
import { db } from './db';
import { notFound, unprocessable } from './errors';
import { metrics } from './metrics';
import { directorStatusChanged } from './status-feed';

type Ack = Extract<Report, { type: 'ack' }>;

interface Waiting {
  directorId: string;
  ack: Ack;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** How long the first ACK of a burst waits for the others (they arrive within milliseconds). */
const ACK_WINDOW_MS = 2;
/** SQLite allows 999 bound parameters per statement: ids go in chunks below that. */
const CHUNK = 500;

const chunks = <T>(xs: T[]): T[][] => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));

class AckWriter {
  private queue: Waiting[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  /** batches written (tests prove a burst of ACKs is a few batches, not one write per ACK) */
  batches = 0;

  /** Record an agent's ACK; resolves once it is stored (or rejects with this ACK's own error). */
  submit(p: DirectorPrincipal, ack: Ack): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ directorId: p.directorId, ack, resolve, reject });
      if (!this.running && !this.timer) this.timer = setTimeout(() => void this.drain(), ACK_WINDOW_MS);
    });
  }

  private async drain(): Promise<void> {
    this.timer = null;
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        this.batches++;
        await writeBatch(batch).catch((e: unknown) => {
          for (const w of batch) w.reject(e);
        });
      }
    } finally {
      this.running = false;
    }
  }
}

async function writeBatch(batch: Waiting[]): Promise<void> {
  const prisma = await db();
  const now = new Date();
  const directorIds = [...new Set(batch.map((w) => w.directorId))];
  const directors = new Map(
    (
      await Promise.all(
        chunks(directorIds).map((ids) =>
          prisma.director.findMany({
            where: { id: { in: ids } },
            select: { id: true, name: true, clusterId: true, appliedRevision: true, lastError: true, cluster: { select: { name: true, currentRevisionId: true } } },
          }),
        ),
      )
    )
      .flat()
      .map((d) => [d.id, d]),
  );
  // every revision the batch names, by cluster: one read
  const wanted = new Map<string, Set<number>>();
  for (const w of batch) {
    const d = directors.get(w.directorId);
    if (d) wanted.set(d.clusterId, (wanted.get(d.clusterId) ?? new Set()).add(w.ack.revision));
  }
  const revisions = wanted.size
    ? await prisma.configRevision.findMany({
        where: { OR: [...wanted].map(([clusterId, numbers]) => ({ clusterId, number: { in: [...numbers] } })) },
        select: { id: true, clusterId: true, number: true, hash: true, createdAt: true },
      })
    : [];
  const revisionOf = new Map(revisions.map((r) => [`${r.clusterId}:${r.number}`, r]));

  const audits: Prisma.AuditEventCreateManyInput[] = [];
  /** directors that get the same update, by what it is */
  const updates = new Map<string, { data: Prisma.DirectorUpdateManyMutationInput; ids: string[] }>();
  const accepted: Waiting[] = [];
  const changed = new Map<string, string[]>();
  for (const w of batch) {
    const d = directors.get(w.directorId);
    if (!d) {
      w.reject(notFound('this director no longer exists'));
      continue;
    }
    const rev = revisionOf.get(`${d.clusterId}:${w.ack.revision}`);
    if (!rev || rev.hash !== w.ack.hash) {
      w.reject(unprocessable(`revision ${w.ack.revision} with hash ${w.ack.hash} is not a revision of ${d.cluster.name}`, [{ path: 'revision', message: 'unknown revision or hash' }]));
      continue;
    }
    const lastErr = d.lastError as { revision?: number } | null;
    const clearError = lastErr !== null && (lastErr.revision ?? 0) <= rev.number;
    const key = `${rev.id}:${clearError}`;
    const u = updates.get(key) ?? {
      data: { appliedRevision: rev.number, appliedHash: rev.hash, appliedAt: now, lastSeenAt: now, ...(clearError ? { lastError: JSON_NULL } : {}) },
      ids: [],
    };
    u.ids.push(d.id);
    updates.set(key, u);
    if (d.appliedRevision !== rev.number) {
      if (d.cluster.currentRevisionId === rev.id) metrics.pushLatency.observe((now.getTime() - rev.createdAt.getTime()) / 1000);
      audits.push({
        at: now,
        actor: `agent:${d.name}`,
        action: 'director.applied',
        clusterId: d.clusterId,
        clusterName: d.cluster.name,
        target: `${d.cluster.name}/${d.name}`,
        beforeRevision: d.appliedRevision,
        afterRevision: rev.number,
        details: { opsApplied: w.ack.opsApplied, durationMs: w.ack.durationMs },
      });
      // the same director twice in one batch: only its first ACK of this revision is an event
      d.appliedRevision = rev.number;
    }
    changed.set(d.clusterId, [...(changed.get(d.clusterId) ?? []), d.id]);
    accepted.push(w);
  }
  if (accepted.length) {
    await prisma.$transaction(async (tx) => {
      if (audits.length) await tx.auditEvent.createMany({ data: audits });
      for (const u of updates.values()) for (const ids of chunks(u.ids)) await tx.director.updateMany({ where: { id: { in: ids } }, data: u.data });
    });
  }
  for (const w of accepted) w.resolve();
  for (const [clusterId, ids] of changed) await directorStatusChanged(clusterId, [...new Set(ids)]);
}

/** SQL NULL for a Json column (Prisma refuses a bare null there). */
export const JSON_NULL = objectEnumValues.instances.DbNull as unknown as Prisma.NullableJsonNullValueInput;

const g = globalThis as typeof globalThis & { __lvsAcks?: AckWriter };
/** The process's one ACK writer (kept on globalThis like the hub, so dev reloads share it). */
export const ackWriter: AckWriter = (g.__lvsAcks ??= new AckWriter());
