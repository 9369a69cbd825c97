// Alert delivery: every alert is stored once (AlertEvent, deduplicated by its key across
// processes) with one AlertDelivery row per target that wants its kind. Workers in any number of
// console processes claim due rows by compare-and-set (the row's status and attempt count must be
// what the worker read), so each delivery is sent by one process; a failure is retried with
// exponential backoff persisted in the row (nextAttemptAt), so a restart loses nothing. A claim
// held by a process that died expires after CLAIM_MS and the row is sent again (then at most once
// more: the receiver can drop a repeat by the event's id).
import crypto from 'node:crypto';
import { AlertKindSchema, WebhookPayloadSchema, type AlertEvent, type AlertKind, type WebhookPayload } from '../../api/alerts';
import { db } from '../db';
import { postWebhook } from './webhook';

export const MAX_ATTEMPTS = 8;
/** A claim older than this is the claimer's crash: the row is due again. */
export const CLAIM_MS = 60_000;
const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 10 * 60_000;

/** The wait after the `attempt`-th failed attempt: 2 s, 4 s, 8 s … up to 10 min. */
export function backoffMs(attempt: number, baseMs = BACKOFF_BASE_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), BACKOFF_MAX_MS);
}

/** The kinds a target wants, from its stored JSON (unknown names are dropped). */
export function targetKinds(stored: string): AlertKind[] {
  try {
    const v = JSON.parse(stored) as unknown;
    return Array.isArray(v) ? v.flatMap((k) => (AlertKindSchema.safeParse(k).success ? [k as AlertKind] : [])) : [];
  } catch {
    return [];
  }
}

/** The request body a target receives. */
export function webhookBody(format: string, p: WebhookPayload): string {
  if (format === 'slack') {
    const what = p.kind === 'test' ? 'test' : p.kind.replace(/_/g, ' ');
    return JSON.stringify({ text: `[${p.cluster}] ${what}: ${p.summary}` });
  }
  return JSON.stringify(p);
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === 'P2002' || /Unique constraint|UNIQUE constraint|duplicate key/i.test(String((e as Error).message));
}

/**
 * Store an alert and queue it for every enabled target of its cluster that wants its kind.
 * Returns null when the same dedupKey was stored already (by this or another process).
 */
export async function enqueueAlert(e: AlertEvent | (Omit<AlertEvent, 'kind'> & { kind: 'test' }), onlyTargetId?: string): Promise<{ eventId: string; deliveryIds: string[] } | null> {
  const prisma = await db();
  const cluster = await prisma.cluster.findUnique({ where: { id: e.clusterId }, select: { name: true } });
  if (!cluster) return null;
  const targets = await prisma.alertTarget.findMany({ where: { clusterId: e.clusterId, ...(onlyTargetId ? { id: onlyTargetId } : { enabled: true }) } });
  const wanting = e.kind === 'test' ? targets : targets.filter((t) => targetKinds(t.kinds).includes(e.kind as AlertKind));
  const id = crypto.randomUUID();
  const payload: WebhookPayload = WebhookPayloadSchema.parse({ ...e, id, cluster: cluster.name });
  const now = new Date();
  try {
    return await prisma.$transaction(async (tx) => {
      await tx.alertEvent.create({ data: { id, clusterId: e.clusterId, kind: e.kind, dedupKey: e.dedupKey ?? null, payload: JSON.stringify(payload), at: new Date(e.at) } });
      const deliveryIds: string[] = [];
      for (const t of wanting) {
        const d = await tx.alertDelivery.create({ data: { eventId: id, targetId: t.id, clusterId: e.clusterId, status: 'pending', nextAttemptAt: now } });
        deliveryIds.push(d.id);
      }
      return { eventId: id, deliveryIds };
    });
  } catch (err) {
    if (e.dedupKey && isUniqueViolation(err)) return null;
    throw err;
  }
}

export interface WorkerOptions {
  /** who claims (a process id); two workers with different ids never send the same row twice */
  claimer?: string;
  backoffBaseMs?: number;
  timeoutMs?: number;
}

/** Claim and send every due delivery once. Returns how many this worker sent (successfully or not). */
export async function runDueDeliveries(now: number = Date.now(), o: WorkerOptions = {}): Promise<number> {
  const prisma = await db();
  const claimer = o.claimer ?? PROCESS_CLAIMER;
  const at = new Date(now);
  const due = await prisma.alertDelivery.findMany({
    where: {
      OR: [
        { status: 'pending', nextAttemptAt: { lte: at } },
        { status: 'sending', claimedUntil: { lt: at } },
      ],
    },
    orderBy: { nextAttemptAt: 'asc' },
    take: 20,
    select: { id: true, status: true, attempts: true },
  });
  let sent = 0;
  await Promise.all(
    due.map(async (row) => {
      // compare-and-set: only the worker that still sees the row as it read it takes it
      const claim = await prisma.alertDelivery.updateMany({
        where: { id: row.id, status: row.status, attempts: row.attempts },
        data: { status: 'sending', claimedBy: claimer, claimedUntil: new Date(now + CLAIM_MS), attempts: row.attempts + 1 },
      });
      if (claim.count !== 1) return;
      sent++;
      await sendClaimed(row.id, row.attempts + 1, now, o);
    }),
  );
  return sent;
}

async function sendClaimed(id: string, attempt: number, now: number, o: WorkerOptions): Promise<void> {
  const prisma = await db();
  const d = await prisma.alertDelivery.findUnique({ where: { id }, include: { event: true, target: true } });
  if (!d) return;
  const payload = WebhookPayloadSchema.parse(JSON.parse(d.event.payload));
  const r = d.target.enabled || payload.kind === 'test' ? await postWebhook(d.target.url, webhookBody(d.target.format, payload), o.timeoutMs) : { ok: false, status: null, error: 'target disabled' };
  const final = r.ok || attempt >= MAX_ATTEMPTS || r.error === 'target disabled';
  await prisma.alertDelivery.updateMany({
    where: { id, claimedBy: o.claimer ?? PROCESS_CLAIMER, attempts: attempt },
    data: {
      status: r.ok ? 'delivered' : final ? 'failed' : 'pending',
      responseCode: r.status,
      lastError: r.error,
      deliveredAt: r.ok ? new Date() : null,
      nextAttemptAt: final ? d.nextAttemptAt : new Date(now + backoffMs(attempt, o.backoffBaseMs)),
      claimedUntil: null,
    },
  });
}

const PROCESS_CLAIMER = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

/** The delivery loop of this process: polls for due rows, and runs at once when kicked. */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly pollMs = 2000,
    private readonly opts: WorkerOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Look for due deliveries now (a new alert was queued). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = runDueDeliveries(Date.now(), this.opts)
      .then(() => undefined)
      .catch((e: unknown) => console.error(`[lvs-console] alert delivery: ${(e as Error).message}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Wait for the pass in flight (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
