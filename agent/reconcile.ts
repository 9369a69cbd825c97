// The level-triggered reconcile loop (Kubernetes controller style) with xDS-style ACK/NACK:
//   read the kernel -> resolve drains -> overlay health verdicts -> plan -> apply -> read again ->
//   verify equal -> ACK {revision, hash}; or NACK {revision, failed op, ipvsadm's message} and
//   retry with backoff, leaving the last good rules in place (never a flush).
// It runs on a new revision, on a timer, on demand and on health transitions, one pass at a time.
// Reads are targeted: the agent keeps a picture of the live table (`live`); a pass started by a new
// revision or a health verdict plans against it, reads only the services that plan touches, plans
// again on what it found, hands that read to apply() and verifies only those services, so K ops
// cost O(K) kernel reads. Startup, the timer, retries and explicit requests read everything.
// Drift (the live table no longer matching what the agent last applied, e.g. someone typed
// ipvsadm by hand) is reported with the exact ops; the revision's drift policy decides whether it
// is corrected (enforce) or left alone and flagged (report).
import type { DirectorConfig, ServiceKey } from '@/lib/ipvs/model';
import type { Op } from '../lib/ipvs/op';
import type { StatsSnapshot } from '../lib/ipvs/stats';
import { configHash, canonicalJson } from '../lib/ipvs/hash';
import { plan } from '../lib/ipvs/plan';
import { serverKeyId } from '@/lib/ipvs/keys';
import { directorTarget } from '@/lib/ipvs/target';
import { opToCommandLine, summarizeOps } from '../lib/ipvs/ops';
import type { DesiredRevision, DrainProgress, Drift, Report } from '../lib/protocol/messages';
import type { Engine } from './engines/engine';
import { Backoff } from './backoff';
import { opObjectKey, opServiceId } from './op-object';
import { planChanged, readServices, readsEverything, sameData, scopeOf, touchedServices, withinScope } from './scoped-read';
import type { AgentState, StateStore } from './state-store';
import type { Logger } from './transport';

export interface ReconcilerOptions {
  engine: Engine;
  /** Where the last ACKed revision is kept across restarts; null = in memory only. */
  store: StateStore | null;
  /** Queue a report for the control plane. */
  report: (r: Report) => void;
  log: Logger;
  /** Keys of servers failing their health checks (health/monitor.ts). */
  unhealthy?: () => ReadonlySet<string>;
  /** Weights set by MISC_CHECK misc_dynamic scripts (server ids). */
  dynamicWeights?: () => ReadonlyMap<string, number>;
  /** A recent stats sample (for drains); when absent or stale the reconciler reads stats itself. */
  latestStats?: () => StatsSnapshot | null;
  /** Periodic re-check; default 10 s. */
  intervalMs?: number;
  /** Retry delays after a failed pass. */
  retry?: { baseMs: number; maxMs: number; random?: () => number };
  now?: () => Date;
  /** Health states to persist with the ACKed revision. */
  healthStates?: () => AgentState['health'];
}

export interface PassTimings {
  readMs: number;
  planMs: number;
  applyMs: number;
  verifyMs: number;
}

export type PassOutcome =
  | { kind: 'idle' } // no desired revision yet
  | { kind: 'in-sync'; revision: number; drift: Drift | null }
  | { kind: 'applied'; revision: number; ops: Op[] }
  | { kind: 'nack'; revision: number; message: string; failedOp: Op | null }
  | { kind: 'rejected'; revision: number; message: string } // bad revision: not retried until a new one
  | { kind: 'error'; message: string }; // could not even read the kernel

export class Reconciler {
  private desired: DesiredRevision | null = null;
  private acked: AgentState['acked'] = null;
  /** ACKs are re-sent once per process: a crash between apply and delivery must not lose one. */
  private ackedThisRun = new Set<string>();
  private rejected: { revision: number; hash: string } | null = null;
  /** services whose quorum was lost at the last pass (directorTarget's hysteresis memory) */
  private quorumLost = new Set<string>();
  /** The desired revision whose config was last found to match its hash. */
  private hashChecked: DesiredRevision | null = null;
  private lastNack = '';
  /** The table last sent in a `state` report, its drift (canonical JSON of the ops) and, once needed, its configHash. */
  private reported: { actual: DirectorConfig; drift: string; hash: string | null } | null = null;
  private lastVerified = 0;
  private lastDrainReport = '';
  /** Connections a draining server held when this agent first saw its drain (the progress bar's 100%). */
  private drainStart = new Map<string, number>();
  /** When the stats behind the last drain report were taken (they only move forward). */
  private drainStatsAt = 0;
  /** When the last apply finished. */
  private appliedAt = 0;
  private running: Promise<PassOutcome> | null = null;
  private again = false;
  private againReason = '';
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly retry: Backoff;
  private stopped = false;
  private readonly now: () => Date;
  /** The live config as last read (for /metrics weights and `state` reports). */
  live: DirectorConfig | null = null;
  drift: Drift | null = null;
  stats = { ok: 0, failed: 0, lastAt: null as Date | null };
  /** Where the last successful pass spent its time (plan is pure CPU; the rest waits on the kernel). */
  lastTimings: PassTimings | null = null;
  /** The last pass, whatever its outcome: why it ran, what came of it and where its time went. */
  lastPass: { reason: string; outcome: PassOutcome; timings: PassTimings & { totalMs: number } } | null = null;
  /** The timings of the pass running now (filled in as it goes). */
  private current: PassTimings = { readMs: 0, planMs: 0, applyMs: 0, verifyMs: 0 };
  /** Every pass outcome, for tests and logs. */
  onPass?: (o: PassOutcome) => void;
  /** Called when the desired config changes (health checks follow it). */
  onDesiredChange?: (config: DirectorConfig) => void;

  constructor(private readonly opts: ReconcilerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.retry = new Backoff(opts.retry ?? { baseMs: 1000, maxMs: 60_000 });
    const saved = opts.store?.load();
    if (saved) {
      this.acked = saved.acked;
      this.pendingSaved = saved.desired;
    }
  }

  /** The desired revision found in the state file, adopted by useSavedDesired() (offline start). */
  private pendingSaved: DesiredRevision | null = null;

  get lastAppliedRevision(): number | null {
    return this.acked?.revision ?? null;
  }
  /** The desired config (the HA reporter looks for its VIPs), null before the first revision. */
  get desiredConfig(): DirectorConfig | null {
    return this.desired?.config ?? null;
  }

  get desiredRevision(): number | null {
    return this.desired?.revision ?? null;
  }
  get savedHealth(): AgentState['health'] {
    return this.opts.store?.load().health ?? [];
  }

  /**
   * Start reconciling from the saved desired revision without the control plane (it is
   * unreachable at startup): the director keeps converging on its last known intent.
   */
  useSavedDesired(): boolean {
    if (this.desired || !this.pendingSaved) return false;
    this.desired = this.pendingSaved;
    this.onDesiredChange?.(this.desired.config);
    this.opts.log.info(`control plane unreachable: reconciling from the saved revision ${this.desired.revision}`);
    this.trigger('saved revision');
    return true;
  }

  start(): void {
    const every = this.opts.intervalMs ?? 10_000;
    this.timer = setInterval(() => this.trigger('timer'), every);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running?.catch(() => undefined);
  }

  /**
   * A new desired revision from the control plane (or a desired file). `hashed`: its hash was just
   * computed from this very config (a local file), so the pass need not hash the whole table again.
   */
  setDesired(rev: DesiredRevision, opts: { hashed?: boolean } = {}): void {
    if (opts.hashed) this.hashChecked = rev;
    const same = this.desired && this.desired.revision === rev.revision && this.desired.hash === rev.hash && this.desired.driftPolicy === rev.driftPolicy;
    this.desired = rev;
    this.pendingSaved = null;
    if (!same) {
      this.retry.reset();
      this.persist({ desired: rev });
      this.onDesiredChange?.(rev.config);
    }
    this.trigger(same ? 'desired (unchanged)' : `revision ${rev.revision}`);
  }

  /** A `desired` event that did not validate: NACK it (when we can tell which) and keep the last good config. */
  rejectDesired(info: { revision: number | null; hash: string; message: string }): void {
    this.opts.log.error(`rejected desired revision ${info.revision ?? '?'}: ${info.message}`);
    if (info.revision === null) return;
    this.opts.report({ type: 'nack', revision: info.revision, hash: info.hash, failedOp: null, command: '', message: info.message, exitCode: null, opsApplied: 0 });
  }

  /** Save the health verdicts now (they are also saved with every new baseline). */
  persistHealth(): void {
    this.persist({});
  }

  /** The control plane reconnected: the next pass re-sends state and drains even if unchanged. */
  forgetReported(): void {
    this.reported = null;
    this.lastDrainReport = '';
    this.lastNack = '';
  }

  /** Ask for a pass soon; passes never overlap, requests during a pass coalesce into one more. */
  trigger(reason: string): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.againReason = reason;
      return;
    }
    void this.runPass(reason);
  }

  /** Run one pass now (or wait for the running one and run another). */
  async runPass(reason = 'requested'): Promise<PassOutcome> {
    while (this.running) {
      await this.running.catch(() => undefined);
    }
    const started = performance.now();
    const p = this.pass(reason);
    this.running = p;
    let outcome: PassOutcome;
    try {
      outcome = await p;
    } finally {
      this.running = null;
    }
    const ms = (x: number) => Math.round(x * 100) / 100;
    const t = this.current;
    this.lastPass = { reason, outcome, timings: { readMs: ms(t.readMs), planMs: ms(t.planMs), applyMs: ms(t.applyMs), verifyMs: ms(t.verifyMs), totalMs: ms(performance.now() - started) } };
    this.onPass?.(outcome);
    if (this.again && !this.stopped) {
      this.again = false;
      void this.runPass(this.againReason);
    }
    return outcome;
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const delay = this.retry.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.trigger('retry');
    }, delay);
    this.retryTimer.unref?.();
  }

  private persist(patch: Partial<AgentState>): void {
    const store = this.opts.store;
    if (!store) return;
    try {
      const cur = store.current();
      store.save({ ...cur, ...patch, health: this.opts.healthStates?.() ?? patch.health ?? cur.health });
    } catch (e) {
      this.opts.log.error(`cannot save agent state: ${(e as Error).message}`);
    }
  }

  private async statsForDrains(rev: DesiredRevision): Promise<StatsSnapshot | null> {
    const draining = rev.config.services.some((s) => s.realServers.some((r) => r.drain));
    if (!draining) return null;
    // A sampler snapshot will do when it is recent, but never one taken before the last apply (a
    // drain starts with weight 0: counts from before it still grow) nor one older than the stats a
    // previous pass reported from: drain progress must not step back to an earlier count.
    const latest = this.opts.latestStats?.();
    const fresh = latest && this.now().getTime() - latest.at < 5000 && latest.at >= this.drainStatsAt && latest.at >= this.appliedAt;
    const stats = fresh ? latest : await this.opts.engine.readStats();
    this.drainStatsAt = Math.max(this.drainStatsAt, stats.at);
    return stats;
  }

  /**
   * A `state` report when the table (or its drift) differs from the last one sent, else at most one
   * tiny `verified` per 5 s. "Differs" is a deep comparison that builds nothing (and is pointer
   * equality for the services a targeted pass did not touch); the configHash a `verified` carries
   * is computed once per table sent, when the first `verified` for it is due, so a change's own
   * pass never hashes the whole table.
   */
  private reportState(actual: DirectorConfig, drift: Drift | null): void {
    const d = drift ? canonicalJson(drift.ops) : '';
    const last = this.reported;
    if (last && last.drift === d && sameData(last.actual, actual)) {
      // unchanged: a tiny `verified` instead, at most one per pass and one per 5 s (issue 16)
      const at = this.now();
      if (at.getTime() - this.lastVerified < 5000) return;
      this.lastVerified = at.getTime();
      last.hash ??= configHash(last.actual);
      this.opts.report({ type: 'verified', revision: this.acked?.revision ?? null, hash: last.hash, at: at.toISOString() });
      return;
    }
    this.reported = { actual, drift: d, hash: null };
    this.opts.report({ type: 'state', actual, drift });
  }

  /** The drains' connection counts as they are now, after an apply. */
  private async drainsAfterApply(drains: DrainProgress[]): Promise<DrainProgress[]> {
    try {
      const s = await this.opts.engine.readStats();
      this.drainStatsAt = Math.max(this.drainStatsAt, s.at);
      const now = new Map(s.services.flatMap((svc) => svc.realServers.map((r) => [serverKeyId(svc.service, r), r] as const)));
      const fresh = drains.map((d) => {
        const r = now.get(serverKeyId(d.service, d.server));
        return d.done || !r ? d : { ...d, activeConns: r.activeConns, inactConns: r.inactConns };
      });
      return this.rememberDrainStarts(fresh);
    } catch {
      return drains; // the counts from before the apply, rather than none
    }
  }

  /** resolveDrains is stateless, so it sees only the current count; the agent keeps the starting one. */
  private rememberDrainStarts(drains: DrainProgress[]): DrainProgress[] {
    const seen = new Map<string, number>();
    const out = drains.map((d) => {
      const key = canonicalJson({ s: d.service, r: d.server, until: d.deadline });
      const start = Math.max(this.drainStart.get(key) ?? 0, d.activeConns + d.inactConns);
      seen.set(key, start);
      return { ...d, initialConns: start };
    });
    this.drainStart = seen; // drains that ended are forgotten
    return out;
  }

  private reportDrains(drains: DrainProgress[]): void {
    const key = canonicalJson(drains);
    if (key === this.lastDrainReport) return;
    if (drains.length === 0 && this.lastDrainReport === '') return;
    this.lastDrainReport = drains.length ? key : '';
    this.opts.report({ type: 'drain', drains });
  }

  private nack(rev: DesiredRevision, n: { failedOp: Op | null; command: string; message: string; exitCode: number | null; opsApplied: number }): void {
    // One NACK per distinct failure; the retries in between are logged, not re-reported.
    const key = canonicalJson({ r: rev.revision, h: rev.hash, op: n.failedOp, m: n.message });
    if (key !== this.lastNack) this.opts.report({ type: 'nack', revision: rev.revision, hash: rev.hash, ...n });
    this.lastNack = key;
  }

  /**
   * Whether this pass may trust the agent's picture of the live table and read only what it
   * changes. Only passes started by a change of intent (a new revision, a health verdict) are
   * targeted; startup, the periodic timer, retries, reconnects and explicit requests read the
   * whole table, which is where drift made by hand is found.
   */
  private targeted(reason: string): boolean {
    return this.live !== null && (reason.startsWith('revision ') || reason === 'desired (unchanged)' || reason === 'health transition');
  }

  private readScoped(picture: DirectorConfig, services: ServiceKey[]): Promise<DirectorConfig> {
    return readServices(this.opts.engine, picture, services);
  }

  /** Drift against what was applied for this revision, and the ops that take `actual` to `target`. */
  private decide(rev: DesiredRevision, target: DirectorConfig, actual: DirectorConfig, sameRevision: boolean) {
    let drift: Drift | null = null;
    if (sameRevision) {
      const driftOps = planChanged(this.acked!.applied, actual);
      if (driftOps.length)
        drift = {
          ops: driftOps,
          summary: summarizeOps(driftOps),
          detectedAt: this.drift?.detectedAt && canonicalJson(this.drift.ops) === canonicalJson(driftOps) ? this.drift.detectedAt : this.now().toISOString(),
        };
    }
    let keepDrifted: (op: Op) => boolean = () => true;
    if (drift && rev.driftPolicy === 'report') {
      // Leave drifted objects as they are; still carry out intended changes (drains, health) elsewhere.
      const touched = new Set(drift.ops.map(opObjectKey));
      const servicesGoneOrNew = new Set(drift.ops.filter((o) => o.op === 'add-service' || o.op === 'delete-service').map((o) => opServiceId(o)));
      keepDrifted = (op) => !touched.has(opObjectKey(op)) && !servicesGoneOrNew.has(opServiceId(op));
    }
    return { drift, keepDrifted, ops: planChanged(target, actual).filter(keepDrifted) };
  }

  /**
   * decide() again after a scoped read. Without drift to look for (a new revision), only the scoped
   * services can have changed against the picture the first plan compared in full, so only they
   * (and the globals) are planned again: a targeted pass plans the whole table once.
   */
  private redecide(rev: DesiredRevision, target: DirectorConfig, actual: DirectorConfig, sameRevision: boolean, scope: ServiceKey[], first: ReturnType<Reconciler['decide']>) {
    if (sameRevision || first.drift) return this.decide(rev, target, actual, sameRevision);
    const s = { services: scope };
    return { ...first, ops: plan(scopeOf(target, s), scopeOf(actual, s)).filter(first.keepDrifted) };
  }

  private async pass(reason: string): Promise<PassOutcome> {
    const started = Date.now();
    const rev = this.desired;
    const targeted = this.targeted(reason);
    const t = (this.current = { readMs: 0, planMs: 0, applyMs: 0, verifyMs: 0 });
    let actual: DirectorConfig;
    if (targeted && !rev) return { kind: 'idle' };
    if (targeted) {
      actual = this.live!; // the picture; the services this pass changes are read below
    } else {
      try {
        actual = await this.opts.engine.readConfig();
      } catch (e) {
        return this.readFailed(rev, e as Error);
      }
      this.live = actual;
      t.readMs = Date.now() - started;
    }
    if (!rev) {
      this.reportState(actual, null);
      return { kind: 'idle' };
    }
    if (reason === 'timer' && this.retryTimer) {
      // backing off after a failure: the periodic pass only looks; the retry timer (or a new
      // revision, or an explicit request) is what tries again
      return { kind: 'error', message: 'waiting to retry' };
    }
    if (this.rejected && this.rejected.revision === rev.revision && this.rejected.hash === rev.hash) {
      this.reportState(actual, null);
      return { kind: 'rejected', revision: rev.revision, message: 'revision was rejected' };
    }
    // Hashing the whole config is O(N): once per revision received, not once per pass.
    const hash = this.hashChecked === rev ? rev.hash : configHash(rev.config);
    if (hash === rev.hash) this.hashChecked = rev;
    if (hash !== rev.hash) {
      const message = `hash mismatch: the control plane says ${rev.hash}, the config hashes to ${hash}; not applied`;
      this.rejected = { revision: rev.revision, hash: rev.hash };
      this.nack(rev, { failedOp: null, command: '', message, exitCode: null, opsApplied: 0 });
      this.opts.log.error(`revision ${rev.revision}: ${message}`);
      return { kind: 'rejected', revision: rev.revision, message };
    }

    let target: DirectorConfig;
    let drains: DrainProgress[];
    try {
      const resolved = directorTarget(rev.config, {
        unhealthy: this.opts.unhealthy?.() ?? new Set(),
        dynamicWeights: this.opts.dynamicWeights?.(),
        drains: { live: await this.statsForDrains(rev), now: this.now(), revisionCreatedAt: new Date(rev.createdAt) },
        quorumLost: this.quorumLost,
      });
      this.quorumLost = resolved.quorumLost;
      drains = this.rememberDrainStarts(resolved.drains);
      target = resolved.config;
    } catch (e) {
      const message = `cannot read stats for draining servers: ${(e as Error).message}`;
      this.stats.failed++;
      this.nack(rev, { failedOp: null, command: '', message, exitCode: null, opsApplied: 0 });
      this.scheduleRetry();
      return { kind: 'error', message };
    }

    const sameRevision = this.acked !== null && this.acked.revision === rev.revision && this.acked.hash === rev.hash;
    let planStarted = performance.now();
    let decided = this.decide(rev, target, actual, sameRevision);
    t.planMs += performance.now() - planStarted;
    if (targeted && decided.ops.length > 0) {
      // The picture says what differs; confirm those services against the kernel before touching
      // them (someone may have changed them since), then plan again on what was found.
      const readStarted = Date.now();
      try {
        let scope = touchedServices(decided.ops);
        const everything = readsEverything(actual, scope);
        actual = await this.readScoped(actual, scope);
        planStarted = performance.now();
        decided = everything ? this.decide(rev, target, actual, sameRevision) : this.redecide(rev, target, actual, sameRevision, scope, decided);
        t.planMs += performance.now() - planStarted;
        if (!withinScope(decided.ops, { services: scope })) {
          // what was read changed the plan beyond what was read: look at those services too
          scope = touchedServices(decided.ops);
          actual = await this.readScoped(actual, scope);
          decided = this.decide(rev, target, actual, sameRevision);
        }
      } catch (e) {
        return this.readFailed(rev, e as Error);
      }
      this.live = actual;
      t.readMs += Date.now() - readStarted;
    }
    const { drift, keepDrifted, ops } = decided;
    if (drift && (!this.drift || canonicalJson(this.drift.ops) !== canonicalJson(drift.ops))) {
      this.opts.log.warn(`drift: the live table differs from revision ${rev.revision} as applied: ${drift.summary} (policy ${rev.driftPolicy})`);
    }
    this.drift = drift;
    // report: say what is left alone; enforce: say what was found before correcting it
    if (drift) this.reportState(actual, drift);

    let after = actual;
    if (ops.length > 0) {
      this.opts.log.info(`revision ${rev.revision} (${reason}): applying ${ops.length} op(s): ${summarizeOps(ops)}`);
      const touched = touchedServices(ops);
      const applyStarted = Date.now();
      const result = await this.opts.engine
        .apply(ops, actual)
        .catch((e: Error) => ({ ok: false as const, applied: 0, failedOp: ops[0]!, command: opToCommandLine(ops[0]!), message: e.message, exitCode: null }));
      t.applyMs = Date.now() - applyStarted;
      this.appliedAt = this.now().getTime(); // stats taken before this do not show the new weights
      if (!result.ok) {
        this.stats.failed++;
        this.opts.log.error(`revision ${rev.revision}: ${result.command} failed: ${result.message} (${result.applied} of ${ops.length} ops applied)`);
        this.nack(rev, { failedOp: result.failedOp, command: result.command, message: result.message, exitCode: result.exitCode, opsApplied: result.applied });
        try {
          this.live = await this.readScoped(actual, touched);
          this.reportState(this.live, drift);
        } catch {
          this.live = null; // unknown now: the next pass reads everything
        }
        this.reportDrains(drains);
        this.scheduleRetry();
        return { kind: 'nack', revision: rev.revision, message: result.message, failedOp: result.failedOp };
      }
      // Verify what this pass changed: the touched services only (the rest was just read, or is
      // known from the last full read; the periodic full read is where anything else shows up).
      const verifyStarted = Date.now();
      try {
        after = await this.readScoped(actual, touched);
      } catch (e) {
        this.stats.failed++;
        this.live = null;
        const message = `applied ${ops.length} op(s) but cannot read the table back: ${(e as Error).message}`;
        this.nack(rev, { failedOp: null, command: '', message, exitCode: null, opsApplied: ops.length });
        this.scheduleRetry();
        return { kind: 'error', message };
      }
      this.live = after;
      t.verifyMs = Date.now() - verifyStarted;
    }

    // Verify: the kernel must now equal the target (apart from drift we were told to leave alone).
    planStarted = performance.now();
    // Only the touched services (and the globals) can differ from what the plan already compared.
    const touchedScope = { services: touchedServices(ops) };
    const residual = ops.length > 0 ? plan(scopeOf(target, touchedScope), scopeOf(after, touchedScope)).filter(keepDrifted) : [];
    t.planMs += performance.now() - planStarted;
    if (residual.length > 0) {
      this.stats.failed++;
      const message = `verification failed: after applying, the live table still differs from revision ${rev.revision}: ${summarizeOps(residual)}`;
      this.opts.log.error(message);
      this.nack(rev, { failedOp: residual[0]!, command: opToCommandLine(residual[0]!), message, exitCode: null, opsApplied: ops.length });
      this.reportState(after, drift);
      this.scheduleRetry();
      return { kind: 'nack', revision: rev.revision, message, failedOp: residual[0]! };
    }

    // Success. What is now in the kernel for this revision is the baseline for drift from here on,
    // except that drift left alone under `report` stays drift.
    this.stats.ok++;
    this.stats.lastAt = this.now();
    this.lastTimings = t;
    this.retry.reset();
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.lastNack = '';
    const ackKey = `${rev.revision}|${rev.hash}`;
    const applied = target;
    const changedBaseline = !sameRevision || !sameData(this.acked!.applied, applied);
    if (changedBaseline) {
      this.acked = { revision: rev.revision, hash: rev.hash, applied, at: this.now().toISOString() };
      this.persist({ acked: this.acked, desired: rev });
    }
    if (!this.ackedThisRun.has(ackKey)) {
      this.ackedThisRun.add(ackKey);
      this.opts.report({ type: 'ack', revision: rev.revision, hash: rev.hash, opsApplied: ops.length, durationMs: Date.now() - started });
      if (ops.length)
        this.opts.log.info(`revision ${rev.revision} applied and verified (${ops.length} op(s); read ${t.readMs} ms, plan ${t.planMs} ms, apply ${t.applyMs} ms, verify ${t.verifyMs} ms)`);
    }
    const remaining = drift && rev.driftPolicy === 'report' ? plan(applied, after) : [];
    this.drift = remaining.length ? { ops: remaining, summary: summarizeOps(remaining), detectedAt: drift!.detectedAt } : null;
    this.reportState(after, this.drift);
    // counts read before this pass's apply predate the weight 0 that starts a drain: report from after it
    if (ops.length && drains.some((d) => !d.done)) drains = await this.drainsAfterApply(drains);
    this.reportDrains(drains);
    return ops.length ? { kind: 'applied', revision: rev.revision, ops } : { kind: 'in-sync', revision: rev.revision, drift: this.drift };
  }

  private readFailed(rev: DesiredRevision | null, e: Error): PassOutcome {
    const message = `cannot read the live IPVS table: ${e.message}`;
    this.opts.log.error(message);
    this.stats.failed++;
    this.live = null; // the next pass reads everything
    if (rev) this.nack(rev, { failedOp: null, command: '', message, exitCode: null, opsApplied: 0 });
    this.scheduleRetry();
    return { kind: 'error', message };
  }
}
