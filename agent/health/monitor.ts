// Health checks of real servers with keepalived's hysteresis: a server turns unhealthy after `fall`
// consecutive failed probes and healthy again after `rise` consecutive good ones. Every transition
// is reported with its time and reason. The monitor only keeps verdicts; the reconciler turns them
// into an overlay on the desired config (lib/ipvs/target.ts), never into a change of the desired config.
import type { DirectorConfig, HealthCheck, ServiceKey } from '@/lib/ipvs/model';
import { realServerLabel, serviceKeyOf, serviceLabel } from '@/lib/ipvs/model';
import { serverKeyId } from '@/lib/ipvs/keys';
import { canonicalJson } from '@/lib/ipvs/hash';
import type { HealthState } from '@/lib/protocol/messages';
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
}

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
      t.healthy = false;
      t.since = at;
      t.reason = `${t.failures} consecutive failed ${t.check.type} checks: ${r.reason}`;
      this.opts.onTransition(this.stateOf(t));
    } else if (!t.healthy && r.ok && t.successes >= t.check.rise) {
      t.healthy = true;
      t.since = at;
      t.reason = `${t.successes} consecutive good ${t.check.type} checks: ${r.reason}`;
      this.opts.onTransition(this.stateOf(t));
    } else if (t.healthy === r.ok) {
      t.reason = r.reason; // steady state: keep the latest detail
    }
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
