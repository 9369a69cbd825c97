// Health checks of real servers with keepalived's hysteresis: a server turns unhealthy after `fall`
// consecutive failed probes and healthy again after `rise` consecutive good ones. Every transition
// is reported with its time and reason. The monitor only keeps verdicts; the reconciler turns them
// into an overlay on the desired config (lib/ipvs/target.ts), never into a change of the desired config.
// The hold-down after flapping lives here, not in target.ts: it is a verdict about a server (this
// server's recent verdicts), and a held-down server is simply one more unhealthy key, so
// directorTarget stays the one owner of what runs and needs no clock or history of its own.
import type { DirectorConfig, HealthCheck, ServiceKey } from '@/lib/ipvs/model';
import { realServerLabel, serviceKeyOf, serviceLabel } from '@/lib/ipvs/model';
import { serverKeyId } from '@/lib/ipvs/keys';
import { canonicalJson } from '@/lib/ipvs/hash';
import type { HealthPolicy, HealthState, HealthTransition } from '@/lib/protocol/messages';
import { isFlapping } from '@/lib/ipvs/health-history';
import type { Prober, ProbeResult } from './probe';

/** "tcp|10.0.0.1|80#10.0.1.2|80": a real server within a service. */
export function healthKey(service: ServiceKey, server: { address: string; port?: number }): string {
  return serverKeyId(service, server);
}

interface Target {
  key: string;
  service: ServiceKey;
  address: string;
  port: number;
  check: HealthCheck;
  sig: string;
  healthy: boolean;
  successes: number;
  failures: number;
  since: Date;
  lastCheck: Date | null;
  reason: string;
  timer: NodeJS.Timeout | null;
  inFlight: boolean;
  /** the weight a misc_dynamic script last asked for */
  weight?: number;
  stopped: boolean;
  /** times (ms) of this server's recent transitions, for flapping */
  flips: number[];
  /** held down after flapping until this time (ms) */
  heldUntil: number;
}

/** How many transitions the monitor remembers to send with each health report. */
export const RECENT_TRANSITIONS = 200;

export interface HealthMonitorOptions {
  prober: Prober;
  /** Called on every healthy <-> unhealthy transition (and never otherwise). */
  onTransition: (state: HealthState) => void;
  /** Last known states (from the state file), so a restart does not flip servers back to healthy. */
  seed?: HealthState[];
  now?: () => Date;
  /** Delay before a new target's first probe, in ms (spread so a big config doesn't probe in one burst). */
  firstProbeDelayMs?: (intervalMs: number) => number;
}

export class HealthMonitor {
  private readonly targets = new Map<string, Target>();
  private readonly seed = new Map<string, HealthState>();
  private readonly now: () => Date;
  private stopped = false;
  private policy: HealthPolicy | null = null;
  private readonly recent: HealthTransition[] = [];

  constructor(private readonly opts: HealthMonitorOptions) {
    this.now = opts.now ?? (() => new Date());
    for (const s of opts.seed ?? []) this.seed.set(healthKey(s.service, s.server), s);
  }

  /** Follow a new desired config: start checking new servers, stop checking removed ones. */
  update(config: DirectorConfig): void {
    const wanted = new Set<string>();
    for (const svc of config.services) {
      const service = serviceKeyOf(svc);
      for (const rs of svc.realServers) {
        // keepalived's checkers are per real server: its own check, else the service's
        const check = rs.healthCheck ?? svc.healthCheck;
        if (!check) continue;
        const rsPort = rs.port ?? 0;
        const port = check.port ?? rsPort;
        if (port === 0) continue; // fwmark real server without healthCheck.port: nothing to probe (see notChecked())
        const key = healthKey(service, rs);
        wanted.add(key);
        const sig = canonicalJson({ check, port });
        const existing = this.targets.get(key);
        if (existing && existing.sig === sig) continue;
        if (existing) this.cancel(existing);
        const seeded = this.seed.get(key);
        const t: Target = {
          key,
          service,
          address: rs.address,
          port: rsPort,
          check,
          sig,
          // A server is presumed healthy until proven otherwise: an agent restart must not pull
          // every server before the first probes; a remembered verdict carries over.
          // keepalived's alpha: a new server starts failed and needs a good check first
          healthy: existing?.healthy ?? seeded?.healthy ?? !check.alpha,
          successes: 0,
          failures: 0,
          since: existing?.since ?? (seeded ? new Date(seeded.since) : this.now()),
          lastCheck: existing?.lastCheck ?? null,
          reason: existing?.reason ?? seeded?.reason ?? 'not checked yet',
          timer: null,
          inFlight: false,
          stopped: false,
          flips: existing?.flips ?? [],
          heldUntil: existing?.heldUntil ?? 0,
        };
        this.targets.set(key, t);
        const interval = t.check.interval * 1000;
        // keepalived's warmup: up to that many seconds of random delay before the first check
        const spread = t.check.warmup !== undefined ? t.check.warmup * 1000 : Math.min(interval, 1000);
        this.schedule(t, this.opts.firstProbeDelayMs ? this.opts.firstProbeDelayMs(interval) : Math.random() * spread);
      }
    }
    for (const [key, t] of this.targets) {
      if (!wanted.has(key)) {
        this.cancel(t);
        this.targets.delete(key);
      }
    }
  }

  /** Keys of the real servers currently judged unhealthy. */
  unhealthy(): Set<string> {
    const out = new Set<string>();
    for (const t of this.targets.values()) if (!t.healthy) out.add(t.key);
    return out;
  }

  /** Weights asked for by MISC_CHECK misc_dynamic scripts, by server id. */
  dynamicWeights(): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.targets.values()) if (t.weight !== undefined) out.set(t.key, t.weight);
    return out;
  }

  /** The cluster's flapping rule (from the desired revision); null: no hold-down. */
  setPolicy(p: HealthPolicy | null | undefined): void {
    this.policy = p ?? null;
  }

  /** The newest transitions (at most RECENT_TRANSITIONS), oldest first: sent with every health report. */
  transitions(): HealthTransition[] {
    return [...this.recent];
  }

  states(): HealthState[] {
    return [...this.targets.values()].map((t) => this.stateOf(t));
  }

  /** Run one probe of every target now (tests, and `reconcile` requests that want fresh verdicts). */
  async probeAll(): Promise<void> {
    await Promise.all([...this.targets.values()].map((t) => this.runProbe(t)));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.targets.values()) this.cancel(t);
  }

  private stateOf(t: Target): HealthState {
    return {
      service: t.service,
      server: { address: t.address, port: t.port },
      healthy: t.healthy,
      reason: t.reason,
      since: t.since.toISOString(),
      lastCheck: (t.lastCheck ?? t.since).toISOString(),
    };
  }

  private cancel(t: Target): void {
    t.stopped = true;
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
  }

  private schedule(t: Target, delayMs: number): void {
    if (this.stopped || t.stopped) return;
    t.timer = setTimeout(() => {
      t.timer = null;
      void this.runProbe(t).finally(() => this.schedule(t, nextDelayMs(t)));
    }, delayMs);
    t.timer.unref?.();
  }

  private async runProbe(t: Target): Promise<void> {
    if (t.inFlight || t.stopped) return;
    t.inFlight = true;
    let r: ProbeResult;
    try {
      r = await this.opts.prober.probe({ address: t.address, port: t.port, check: t.check });
    } catch (e) {
      r = { ok: false, reason: `probe error: ${(e as Error).message}` };
    } finally {
      t.inFlight = false;
    }
    if (t.stopped) return;
    this.record(t, r);
  }

  private record(t: Target, r: ProbeResult): void {
    const at = this.now();
    t.lastCheck = at;
    if (r.ok) t.weight = r.weight;
    if (r.ok) {
      t.successes++;
      t.failures = 0;
    } else {
      t.failures++;
      t.successes = 0;
    }
    if (t.healthy && !r.ok && t.failures >= t.check.fall) {
      t.reason = `${t.failures} consecutive failed ${t.check.type} checks: ${r.reason}`;
      this.transition(t, false, at, r.reason);
    } else if (!t.healthy && r.ok && t.successes >= t.check.rise) {
      if (this.holdDown(t, at)) return;
      t.reason = `${t.successes} consecutive good ${t.check.type} checks: ${r.reason}`;
      this.transition(t, true, at);
    } else if (t.healthy === r.ok) {
      t.reason = r.reason; // steady state: keep the latest detail
    }
  }

  /** A recovering server that flapped stays out until its hold-down ends (then the next good probe brings it back). */
  private holdDown(t: Target, at: Date): boolean {
    const p = this.policy;
    if (!p || p.holdDownSeconds <= 0) return false;
    const now = at.getTime();
    if (t.heldUntil === 0 && isFlapping([...t.flips, now], now, p.transitions, p.windowSeconds * 1000)) {
      t.heldUntil = now + p.holdDownSeconds * 1000;
      this.remember(t, false, at, `held down until ${new Date(t.heldUntil).toISOString()}: ${p.transitions} or more transitions in ${p.windowSeconds} s`, undefined, true);
    }
    if (t.heldUntil > now) {
      t.reason = `held down after flapping until ${new Date(t.heldUntil).toISOString()} (probes pass)`;
      return true;
    }
    t.heldUntil = 0;
    return false;
  }

  private transition(t: Target, healthy: boolean, at: Date, error?: string): void {
    t.healthy = healthy;
    t.since = at;
    t.flips.push(at.getTime());
    const windowMs = (this.policy?.windowSeconds ?? 3600) * 1000;
    while (t.flips.length && t.flips[0]! < at.getTime() - windowMs) t.flips.shift();
    this.remember(t, healthy, at, t.reason, error);
    this.opts.onTransition(this.stateOf(t));
  }

  private remember(t: Target, healthy: boolean, at: Date, reason: string, error?: string, heldDown?: boolean): void {
    this.recent.push({
      service: t.service,
      server: { address: t.address, port: t.port },
      healthy,
      at: at.toISOString(),
      reason,
      ...(error !== undefined ? { error } : {}),
      ...(heldDown ? { heldDown } : {}),
    });
    if (this.recent.length > RECENT_TRANSITIONS) this.recent.splice(0, this.recent.length - RECENT_TRANSITIONS);
  }
}

/**
 * keepalived's retry: after a failed check of a server still judged healthy, the next check comes
 * after delay_before_retry (retryDelay), not after the full interval, until `fall` failures.
 */
export function nextDelayMs(t: Pick<Target, 'healthy' | 'failures' | 'check'>): number {
  const retrying = t.healthy && t.failures > 0 && t.failures < t.check.fall;
  return (retrying && t.check.retryDelay !== undefined ? t.check.retryDelay : t.check.interval) * 1000;
}

/** Servers a health check cannot probe (fwmark real servers have port 0 and no healthCheck.port). */
export function notChecked(config: DirectorConfig): string[] {
  const out: string[] = [];
  for (const svc of config.services) {
    for (const rs of svc.realServers) {
      const check = rs.healthCheck ?? svc.healthCheck;
      if (check && check.port === undefined && !rs.port) out.push(`${serviceLabel(svc)} -> ${realServerLabel(rs)}: port 0, set healthCheck.port`);
    }
  }
  return out;
}
