// Messages between the control-plane processes that share one database. In one process (SQLite,
// or a single PostgreSQL-backed server) it is an in-memory dispatcher. With PostgreSQL it also
// carries every message to the other processes with LISTEN/NOTIFY, so a revision saved through
// one process reaches agents connected to another, conn-query answers find the process that
// asked, and stats reach browsers connected anywhere.
//
// NOTIFY payloads are limited to 8000 bytes: bigger messages travel as ordered chunks over one
// dedicated publishing connection (PostgreSQL delivers one session's notifications in order).
import crypto from 'node:crypto';
import type { StatsRow } from '../api/stats-fields';
import type { ConnAnswer, ConnQuery } from '../protocol/messages';
import { dbTarget } from './db';
import { metrics } from './metrics';

export type BusMessage =
  /** a new revision is current: push it to the cluster's agents */
  | { k: 'revision'; clusterId: string }
  /** cluster settings changed (name, drift policy) or the cluster was deleted */
  | { k: 'cluster'; clusterId: string }
  /** a director was revoked, rotated or removed: close its streams, forget its token */
  | { k: 'director-gone'; directorId: string }
  | { k: 'reconcile'; directorId: string; reason: string }
  | { k: 'conn-query'; directorId: string; query: ConnQuery }
  | { k: 'conn-answer'; directorId: string; answer: ConnAnswer }
  /**
   * per-second rows computed by the process that received the agent's batch (see stats.ts); values
   * in STATS_FIELDS order (renamed from `stats` when that order became the one order: a process of
   * the older shape ignores these and the newer ignores its `stats`, rather than misreading them)
   */
  | { k: 'stats-rows'; directorId: string; clusterId: string; samples: { t: number; rows: StatsRow[] }[] }
  /** directors whose status changed (a report, a connect or disconnect): browsers' streams re-send it */
  | { k: 'director-status'; clusterId: string; directorIds: string[]; removed?: boolean }
  /** sent after the PostgreSQL listener reconnects: anything may have been missed */
  | { k: 'resync' };

type Kind = BusMessage['k'];
type Handler<K extends Kind> = (msg: Extract<BusMessage, { k: K }>, fromOtherProcess: boolean) => void;

const CHANNEL = 'lvs_bus';
/** characters per chunk: 4 bytes per character at worst, plus the envelope, stays under 8000 bytes */
const CHUNK_CHARS = 1800;

class Bus {
  readonly origin = crypto.randomBytes(6).toString('hex');
  private handlers = new Map<Kind, Set<Handler<Kind>>>();
  private pg: Promise<PgLink> | null = null;
  private partial = new Map<string, { parts: string[]; got: number; at: number }>();

  on<K extends Kind>(kind: K, h: Handler<K>): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    set.add(h as unknown as Handler<Kind>);
    return () => set.delete(h as unknown as Handler<Kind>);
  }

  /** Start listening to the other processes (no-op with SQLite). Idempotent; resolves when LISTEN is in place. */
  async start(): Promise<void> {
    if (dbTarget().kind !== 'postgres') return;
    this.pg ??= PgLink.open(
      dbTarget().url,
      (payload) => this.receive(payload),
      () => this.dispatch({ k: 'resync' }, false),
    );
    try {
      await this.pg;
    } catch (e) {
      this.pg = null;
      throw e;
    }
  }

  /** Deliver here and (with PostgreSQL) in every other process. `local: false` skips this process. */
  async publish(msg: BusMessage, opts: { local?: boolean } = {}): Promise<void> {
    if (opts.local !== false) this.dispatch(msg, false);
    if (dbTarget().kind !== 'postgres') return;
    await this.start();
    const link = await this.pg!;
    const body = JSON.stringify(msg);
    metrics.busMessages.inc({ direction: 'out', kind: msg.k });
    if (body.length <= CHUNK_CHARS) return link.notify(JSON.stringify({ o: this.origin, m: body }));
    const id = crypto.randomBytes(6).toString('hex');
    const n = Math.ceil(body.length / CHUNK_CHARS);
    for (let i = 0; i < n; i++) await link.notify(JSON.stringify({ o: this.origin, c: id, i, n, p: body.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS) }));
  }

  private receive(payload: string): void {
    let env: { o: string; m?: string; c?: string; i?: number; n?: number; p?: string };
    try {
      env = JSON.parse(payload);
    } catch {
      return;
    }
    if (env.o === this.origin) return;
    let body = env.m;
    if (env.c !== undefined) {
      const key = `${env.o}:${env.c}`;
      let p = this.partial.get(key);
      if (!p) this.partial.set(key, (p = { parts: new Array<string>(env.n ?? 0), got: 0, at: Date.now() }));
      if (p.parts[env.i ?? 0] === undefined) p.got++;
      p.parts[env.i ?? 0] = env.p ?? '';
      if (p.got < p.parts.length) return this.gcPartial();
      this.partial.delete(key);
      body = p.parts.join('');
    }
    if (body === undefined) return;
    try {
      const msg = JSON.parse(body) as BusMessage;
      metrics.busMessages.inc({ direction: 'in', kind: msg.k });
      this.dispatch(msg, true);
    } catch (e) {
      console.error('[lvs-console] bus: dropped a malformed message:', (e as Error).message);
    }
  }

  private gcPartial(): void {
    const old = Date.now() - 30_000;
    for (const [k, p] of this.partial) if (p.at < old) this.partial.delete(k);
  }

  private dispatch(msg: BusMessage, remote: boolean): void {
    for (const h of this.handlers.get(msg.k) ?? []) {
      try {
        h(msg as never, remote);
      } catch (e) {
        console.error(`[lvs-console] bus handler for ${msg.k} failed:`, e);
      }
    }
  }

  /** Tests and shutdown. */
  async stop(): Promise<void> {
    const p = this.pg;
    this.pg = null;
    if (p) await (await p.catch(() => null))?.close();
  }
}

/** Two PostgreSQL connections: one LISTENs, one publishes (in order). Reconnects with backoff. */
class PgLink {
  private listener: import('pg').Client | null = null;
  private publisher: import('pg').Client | null = null;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private url: string,
    private onPayload: (p: string) => void,
    private onResync: () => void,
  ) {}

  static async open(url: string, onPayload: (p: string) => void, onResync: () => void): Promise<PgLink> {
    const link = new PgLink(url, onPayload, onResync);
    await link.connectListener();
    return link;
  }

  private async client(): Promise<import('pg').Client> {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000, application_name: 'lvs-console-bus' });
    await c.connect();
    return c;
  }

  private async connectListener(): Promise<void> {
    const c = await this.client();
    c.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.onPayload(n.payload);
    });
    c.on('error', () => this.relisten(c));
    c.on('end', () => this.relisten(c));
    await c.query(`LISTEN ${CHANNEL}`);
    this.listener = c;
  }

  private relisten(dead: import('pg').Client): void {
    if (this.closed || this.listener !== dead) return;
    this.listener = null;
    dead.removeAllListeners('end');
    dead.end().catch(() => undefined);
    let delay = 250;
    const attempt = () => {
      if (this.closed) return;
      this.connectListener().then(
        () => this.onResync(),
        () => setTimeout(attempt, (delay = Math.min(delay * 2, 10_000))).unref?.(),
      );
    };
    setTimeout(attempt, delay).unref?.();
  }

  notify(payload: string): Promise<void> {
    const run = async () => {
      if (this.closed) return;
      try {
        if (!this.publisher) {
          const c = await this.client();
          // a dropped connection is noticed by the next NOTIFY, which reconnects
          c.on('error', () => {
            if (this.publisher === c) this.publisher = null;
          });
          this.publisher = c;
        }
        await this.publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      } catch (e) {
        const c = this.publisher;
        this.publisher = null;
        c?.end().catch(() => undefined);
        console.error('[lvs-console] bus: NOTIFY failed:', (e as Error).message);
      }
    };
    const p = this.queue.then(run);
    this.queue = p;
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.listener?.end().catch(() => undefined), this.publisher?.end().catch(() => undefined)]);
  }
}

const g = globalThis as typeof globalThis & { __lvsBus?: Bus };
export const bus: Bus = (g.__lvsBus ??= new Bus());
