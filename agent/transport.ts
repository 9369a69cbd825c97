// The agent's only link to the control plane, dialled out (directors sit behind firewalls):
// a server-sent event stream in (desired revisions, reconcile and connection-table requests) and
// POSTs out (reports, stats batches, connection answers), all with the director's bearer token.
// When the control plane is away the agent keeps running: reports wait in a bounded outbox
// (state/health/drain coalesced to the latest, ack/nack kept in order, oldest dropped beyond the
// bound), stats wait in the sampler's bounded buffer, and the stream reconnects with jittered
// exponential backoff, sending `hello` (with the last ACKed revision) on every connect.
// Reports and stats retry on separate clocks: a report (an ACK is what an operator waits for) is
// POSTed the moment it is queued and, after a failure, retried on its own short timer; a failing
// stats POST (big, periodic, 5 s cadence) never holds a report back. After a healthy stream is
// lost (typically a console restart) the first reconnects use a low cap so the fleet is back
// within seconds, jittered so a thousand agents do not arrive in the same millisecond.
import { z } from 'zod';
import { Backoff } from './backoff';
import { SseParser, type SseEvent } from './sse';
import type { SampleBuffer } from './stats/sampler';
import { ConnQuerySchema, DesiredRevisionSchema, ReconcileRequestSchema, type ConnAnswer, type ConnQuery, type DesiredRevision, type Report } from '../lib/protocol/messages';
import { formatIssues, issuesFromZod } from '../lib/ipvs/errors';
import { encodeStatsBatch } from '../lib/protocol/stats-wire';

export const AGENT_PATHS = {
  stream: 'api/v1/agent/stream',
  report: 'api/v1/agent/report',
  stats: 'api/v1/agent/stats',
  connections: 'api/v1/agent/connections',
} as const;

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface TransportOptions {
  server: string;
  token: string;
  /** Called on every (re)connect; its result is POSTed before anything else. */
  hello: () => Promise<Report> | Report;
  onDesired: (rev: DesiredRevision) => void;
  /** A `desired` event that failed validation: the agent NACKs it if it can tell which revision it was. */
  onBadDesired: (info: { revision: number | null; hash: string; message: string }) => void;
  onReconcile: (reason: string) => void;
  onConnQuery: (q: ConnQuery) => void;
  onConnectionChange?: (connected: boolean) => void;
  /** The console refused this agent for good (another protocol version); the transport has stopped. */
  onRefused?: (why: string) => void;
  stats?: SampleBuffer;
  log: Logger;
  fetch?: typeof fetch;
  /** Reconnect (and stats retry) backoff: base and cap in ms. */
  backoff?: { baseMs: number; maxMs: number; random?: () => number };
  /** Retry of a failed report POST: short, so an ACK is not held for seconds by one timeout. */
  reportRetry?: { baseMs: number; maxMs: number };
  /** After losing a stream that had been healthy: reconnect with this low cap during windowMs, then the normal backoff. */
  quickReconnect?: { baseMs: number; maxMs: number; windowMs: number };
  /** No byte on the stream for this long (the server sends keep-alive comments) = dead; reconnect. */
  idleTimeoutMs?: number;
  statsFlushMs?: number;
  statsBatchMax?: number;
  postTimeoutMs?: number;
  maxOutbox?: number;
}

/** A failed report POST is retried after 250 ms, doubling to 4 s (jittered): an ACK waits for nothing slower. */
const REPORT_RETRY = { baseMs: 250, maxMs: 4000 } as const;
/** After a healthy stream is lost: attempts within 10 s wait at most 1 s (jittered in [c/2, c]), then the normal backoff. */
const QUICK_RECONNECT = { baseMs: 250, maxMs: 1000, windowMs: 10_000 } as const;

/** Report types where only the newest matters: older ones are replaced while waiting. */
const COALESCED = new Set<Report['type']>(['state', 'health', 'drain', 'verified']);

export class Transport {
  private readonly fetchFn: typeof fetch;
  private readonly backoff: Backoff;
  private readonly quickBackoff: Backoff;
  private readonly statsBackoff: Backoff;
  private readonly reportBackoff: Backoff;
  private stopped = false;
  private abort: AbortController | null = null;
  private outbox: Report[] = [];
  private pumping = false;
  private statsRetryAt = 0;
  /** samples per stats POST after a 413 (null: statsBatchMax) */
  private statsBatchCap: number | null = null;
  private statsFlushing = false;
  /** The console refused the compact `rows` shape (it predates it): send the older `snapshots` one. */
  private snapshotStats = false;
  /** A report POST failed: the pump runs again when this fires (and not before). */
  private reportRetry: NodeJS.Timeout | null = null;
  /** Bumped on every (re)connect: a pump from an older connection stops so `hello` leads the new one. */
  private epoch = 0;
  /** When the last healthy stream was lost (null: none, or reconnected since). */
  private lostHealthyAt: number | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  connected = false;
  /** The current stream delivered an event or took our hello. */
  private healthy = false;
  /** The console took the current connection's hello (stats wait for it). */
  private greeted = false;
  /** The stream has been up at least once since start(). */
  everConnected = false;
  droppedReports = 0;
  /** 401/403 from the control plane: the token is wrong or revoked. */
  unauthorized = false;

  constructor(private readonly opts: TransportOptions) {
    this.fetchFn = opts.fetch ?? fetch;
    const normal = opts.backoff ?? { baseMs: 500, maxMs: 30_000 };
    const random = normal.random;
    this.backoff = new Backoff(normal);
    this.statsBackoff = new Backoff(normal);
    const quick = opts.quickReconnect ?? QUICK_RECONNECT;
    // never slower than the normal backoff (tests configure tiny ones)
    this.quickBackoff = new Backoff({ baseMs: Math.min(quick.baseMs, normal.baseMs), maxMs: Math.min(quick.maxMs, normal.maxMs), random });
    this.reportBackoff = new Backoff({ ...(opts.reportRetry ?? REPORT_RETRY), random });
  }

  url(path: string): string {
    const base = this.opts.server.endsWith('/') ? this.opts.server : `${this.opts.server}/`;
    return new URL(path, base).toString();
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.streamLoop();
    const every = this.opts.statsFlushMs ?? 5000;
    const tick = () => {
      void this.flushStats();
      void this.pump();
    };
    // A fleet started together flushed in step: a burst of N stats POSTs every period, and a
    // commit or ACK arriving in it waited behind all of them. A random phase spreads the fleet's
    // flushes over the period (the console's load stays flat), without changing the cadence.
    const phase = Math.floor((this.opts.backoff?.random ?? Math.random)() * every);
    this.statsTimer = setTimeout(() => {
      if (this.stopped) return;
      tick();
      this.statsTimer = setInterval(tick, every);
      this.statsTimer.unref?.();
    }, phase);
    this.statsTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.clearReportRetry();
    await this.loop;
  }

  /** Queue a report; it is sent as soon as the control plane is reachable. */
  report(r: Report): void {
    if (COALESCED.has(r.type)) this.outbox = this.outbox.filter((o) => o.type !== r.type);
    this.outbox.push(r);
    const max = this.opts.maxOutbox ?? 500;
    while (this.outbox.length > max) {
      this.outbox.shift();
      this.droppedReports++;
    }
    void this.pump();
  }

  get pendingReports(): number {
    return this.outbox.length;
  }

  async answerConnections(a: ConnAnswer): Promise<void> {
    await this.post(AGENT_PATHS.connections, a);
  }

  /**
   * Send the oldest waiting stats samples (the buffer keeps them until a POST succeeds), as one
   * compact `rows` batch (keys once, then only the rows that changed; lib/protocol/stats-wire.ts),
   * or as snapshots to a console that answered 400 to that shape (it predates it). A batch
   * the console refuses as too large (413: a director with 30,000 real servers sends megabytes a
   * second) is halved until it fits, and batches follow one another so a backlog still drains; a
   * single sample too large to ever fit is dropped (counted) rather than blocking every later one.
   * A batch that timed out is halved too (the console was slower than the timeout at its size).
   */
  async flushStats(): Promise<void> {
    // one flush at a time: a slow one must not overlap the next tick and send its samples twice
    if (this.statsFlushing) return;
    this.statsFlushing = true;
    try {
      await this.flushStatsBatches();
    } finally {
      this.statsFlushing = false;
    }
  }

  private async flushStatsBatches(): Promise<void> {
    const buf = this.opts.stats;
    const max = this.opts.statsBatchMax ?? 300;
    // stats wait until the console has taken this connection's hello: after a console restart the
    // fleet's hellos (what "reconnected" means) go first, not behind every agent's stats backlog,
    // and an unreachable console is not sent a POST per agent per flush
    for (let posts = 0; buf && buf.size > 0 && this.greeted && posts < STATS_POSTS_PER_FLUSH && Date.now() >= this.statsRetryAt; posts++) {
      const n = Math.min(buf.size, this.statsBatchCap ?? max);
      const samples = buf.peek(n);
      try {
        await this.post(AGENT_PATHS.stats, this.snapshotStats ? { samples } : encodeStatsBatch(samples));
        buf.commit(n);
        this.statsBackoff.reset();
        if (this.statsBatchCap !== null) this.statsBatchCap = Math.min(max, this.statsBatchCap * 2);
      } catch (e) {
        if (e instanceof RejectedError && e.status === 400 && !this.snapshotStats) {
          // a console from before the `rows` shape refuses it: speak its shape from now on
          this.snapshotStats = true;
          this.opts.log.warn(`control plane refused a compact stats batch (${e.message.slice(0, 200)}); sending the older, larger snapshots from now on — upgrade the console`);
          continue;
        }
        if (e instanceof RejectedError && e.status === 413) {
          this.statsBatchCap = Math.max(1, Math.floor(n / 2));
          if (n === 1) {
            buf.commit(1);
            buf.dropped++;
            this.opts.log.warn('control plane: one stats sample is larger than the console accepts; dropped it');
          }
          continue;
        }
        // a batch the console could not take in before the timeout goes again in halves
        if ((e as Error).name === 'TimeoutError') this.statsBatchCap = Math.max(1, Math.floor(n / 2));
        const delay = this.statsBackoff.next();
        this.statsRetryAt = Date.now() + delay;
        this.warnPostFailed(e as Error, 'stats', this.statsBackoff.failures, delay);
        return;
      }
    }
  }

  private warnPostFailed(e: Error, what: string, failures: number, delay: number): void {
    if (failures <= 1 || failures % 20 === 0) {
      this.opts.log.warn(`control plane: POST ${what} failed (${e.message}); keeping it, retry in ${(delay / 1000).toFixed(1)} s`);
    }
  }

  /** A report POST failed: try again on the report timer, independent of the stats cadence. */
  private scheduleReportRetry(e: Error, what: string): void {
    const delay = this.reportBackoff.next();
    this.warnPostFailed(e, what, this.reportBackoff.failures, delay);
    this.clearReportRetry();
    this.reportRetry = setTimeout(() => {
      this.reportRetry = null;
      void this.pump();
    }, delay);
    this.reportRetry.unref?.();
  }

  private clearReportRetry(): void {
    if (this.reportRetry) clearTimeout(this.reportRetry);
    this.reportRetry = null;
  }

  /**
   * Deliver queued reports in order; stops at the first failure (they stay queued). Only while the
   * stream is up: each connect puts `hello` at the head, so after an outage the control plane
   * learns where the agent stands before the reports that waited.
   */
  private async pump(): Promise<void> {
    if (this.pumping || !this.connected || this.outbox.length === 0 || this.reportRetry) return;
    this.pumping = true;
    const epoch = this.epoch;
    try {
      while (this.outbox.length > 0 && !this.stopped && this.connected && epoch === this.epoch) {
        const r = this.outbox[0]!;
        try {
          await this.post(AGENT_PATHS.report, r);
        } catch (e) {
          if (e instanceof RejectedError && r.type === 'hello' && e.status === 409) {
            // The console refuses this agent (another protocol version): retrying cannot help.
            this.refused(e.message);
            return;
          }
          if (e instanceof RejectedError) {
            // The control plane will never accept this one (4xx other than auth): drop it, loudly.
            this.opts.log.error(`control plane rejected ${r.type} report: ${e.message}`);
          } else {
            // a failure of the previous connection's POST says nothing about the new one
            if (epoch === this.epoch) this.scheduleReportRetry(e as Error, `${r.type} report`);
            return;
          }
        }
        if (r.type === 'hello' && epoch === this.epoch) {
          this.markHealthy();
          this.greeted = true;
        }
        if (this.outbox[0] === r) this.outbox.shift();
        this.reportBackoff.reset();
      }
    } finally {
      this.pumping = false;
      // a new connection (its hello at the head) arrived while this pump was busy with the old one
      if (epoch !== this.epoch && !this.stopped) void this.pump();
    }
  }

  private async post(path: string, body: unknown): Promise<void> {
    const res = await this.fetchFn(this.url(path), {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.opts.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.postTimeoutMs ?? 15_000),
    });
    const text = await res.text().catch(() => '');
    if (res.status === 401 || res.status === 403) {
      this.setUnauthorized(res.status, text);
      throw new Error(`HTTP ${res.status}`);
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      throw new RejectedError(res.status, `HTTP ${res.status} ${text.slice(0, 300)}`);
    }
    if (!res.ok) throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
  }

  /** The console refused this agent: say why once, stop talking to it, and leave the kernel as it is. */
  private refused(why: string): void {
    this.opts.log.error(`control plane refused this agent (${why}); disconnecting and not retrying — the kernel keeps its current rules; restart the agent once agent and console match`);
    this.opts.onRefused?.(why);
    void this.stop();
  }

  private setUnauthorized(status: number, text: string): void {
    if (!this.unauthorized) this.opts.log.error(`control plane refused the director token (HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}); check --token-file`);
    this.unauthorized = true;
  }

  private setConnected(c: boolean): void {
    if (!c) this.greeted = false;
    if (this.connected === c) return;
    this.connected = c;
    if (c) this.everConnected = true;
    this.opts.onConnectionChange?.(c);
  }

  /** The console took this stream's hello or sent an event: losing it later is worth a quick reconnect. */
  private markHealthy(): void {
    if (this.healthy) return;
    this.healthy = true;
    this.backoff.reset();
  }

  /**
   * The wait before the next connect. After a healthy stream is lost (the console restarted, a
   * proxy cut it) the first attempts use the quick backoff (jittered, low cap) for its window, so
   * a console back in a few seconds gets its fleet back in a few seconds; then the normal backoff.
   */
  private reconnectDelay(): number {
    if (this.lostHealthyAt !== null && Date.now() - this.lostHealthyAt < (this.opts.quickReconnect ?? QUICK_RECONNECT).windowMs) return this.quickBackoff.next();
    return this.backoff.next();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async streamLoop(): Promise<void> {
    while (!this.stopped) {
      let reason: string;
      try {
        reason = await this.streamOnce();
      } catch (e) {
        reason = (e as Error).message;
      }
      this.setConnected(false);
      if (this.healthy) {
        this.healthy = false;
        this.lostHealthyAt = Date.now();
        this.quickBackoff.reset();
        this.backoff.reset();
      }
      if (this.stopped) break;
      const delay = this.reconnectDelay();
      const failures = this.quickBackoff.failures + this.backoff.failures;
      if (failures <= 1 || failures % 10 === 0) {
        this.opts.log.warn(`control plane stream: ${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s (running the last good config meanwhile)`);
      }
      await this.sleep(delay);
    }
  }

  /** One connection of the event stream; resolves with why it ended. */
  private async streamOnce(): Promise<string> {
    const ac = new AbortController();
    this.abort = ac;
    const idleMs = this.opts.idleTimeoutMs ?? 75_000;
    let idle: NodeJS.Timeout | null = null;
    const armIdle = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => ac.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    };
    try {
      armIdle();
      const res = await this.fetchFn(this.url(AGENT_PATHS.stream), {
        headers: { Authorization: `Bearer ${this.opts.token}`, Accept: 'text/event-stream', 'Cache-Control': 'no-cache' },
        signal: ac.signal,
      });
      if (res.status === 401 || res.status === 403) {
        this.setUnauthorized(res.status, await res.text().catch(() => ''));
        return `HTTP ${res.status} (token refused)`;
      }
      if (!res.ok || !res.body) return `HTTP ${res.status}`;
      const type = res.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream')) return `unexpected content type ${JSON.stringify(type)}`;
      this.unauthorized = false;
      // hello goes first so the control plane knows where this agent stands before anything else:
      // it is at the head of the outbox before anyone (onConnectionChange) can queue a report
      const hello = await this.opts.hello();
      this.outbox = [hello, ...this.outbox.filter((r) => r.type !== 'hello')];
      this.epoch++;
      this.lostHealthyAt = null;
      this.clearReportRetry();
      this.reportBackoff.reset();
      this.setConnected(true);
      void this.pump();
      const parser = new SseParser((ev) => {
        this.markHealthy();
        this.dispatch(ev);
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        armIdle();
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (this.stopped) break;
      }
      return 'stream closed by the control plane';
    } catch (e) {
      if (ac.signal.aborted) {
        const r = ac.signal.reason;
        return r instanceof Error ? r.message : 'aborted';
      }
      const err = e as Error & { cause?: { code?: string; message?: string } };
      return err.cause?.code ?? err.cause?.message ?? err.message;
    } finally {
      if (idle) clearTimeout(idle);
      this.abort = null;
    }
  }

  private dispatch(ev: SseEvent): void {
    let json: unknown;
    try {
      json = JSON.parse(ev.data);
    } catch {
      this.opts.log.warn(`control plane sent a ${ev.event} event that is not JSON; ignored`);
      return;
    }
    switch (ev.event) {
      case 'desired': {
        const r = DesiredRevisionSchema.safeParse(json);
        if (r.success) this.opts.onDesired(r.data);
        else {
          const o = z.object({ revision: z.number().int(), hash: z.string() }).partial().safeParse(json);
          this.opts.onBadDesired({
            revision: o.success ? (o.data.revision ?? null) : null,
            hash: o.success ? (o.data.hash ?? '') : '',
            message: `invalid desired revision: ${formatIssues(issuesFromZod(r.error))}`,
          });
        }
        break;
      }
      case 'reconcile': {
        const r = ReconcileRequestSchema.safeParse(json);
        this.opts.onReconcile(r.success ? r.data.reason : 'requested');
        break;
      }
      case 'conn-query': {
        const r = ConnQuerySchema.safeParse(json);
        if (r.success) this.opts.onConnQuery(r.data);
        else this.opts.log.warn(`invalid conn-query: ${formatIssues(issuesFromZod(r.error))}`);
        break;
      }
      default:
        break; // unknown events are for newer agents
    }
  }
}

/** POSTs one flush may make while a stats backlog drains (a flush every statsFlushMs). */
const STATS_POSTS_PER_FLUSH = 8;

class RejectedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
