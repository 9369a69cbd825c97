// The agent's HA report: polls its interface addresses and VRRP states, reads the sync daemons
// from the live table and the connection count from the last stats sample, and reports `ha` when
// something changed (the connection count alone does not count as a change) and every 30 s, so
// the console knows the report is current.
import type { DirectorConfig } from '@/lib/ipvs/model';
import { clusterVips, vipsOnInterfaces } from '@/lib/ipvs/ha';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import type { HaState, Report, VrrpInstance } from '@/lib/protocol/messages';
import type { Logger } from '../transport';
import type { AddressSource } from './addresses';

/** keepalived's states (notify directory) or the demo's simulated segment. */
export interface VrrpSource {
  read(): Promise<VrrpInstance[]>;
}

export interface HaReporterOptions {
  addresses: AddressSource | null;
  vrrp: VrrpSource | null;
  /** the desired config (its VIPs are the ones looked for), null before the first revision */
  desired: () => DirectorConfig | null;
  live: () => DirectorConfig | null;
  stats: () => StatsSnapshot | null;
  report: (r: Report) => void;
  log: Logger;
  intervalMs?: number;
  heartbeatMs?: number;
  now?: () => number;
}

export function connectionCount(s: StatsSnapshot | null): number | null {
  if (!s) return null;
  let n = 0;
  for (const svc of s.services) for (const r of svc.realServers) n += r.activeConns + r.inactConns;
  return n;
}

export class HaReporter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastKey: string | null = null;
  private lastSentAt = 0;
  private running: Promise<void> | null = null;
  private lastError: string | null = null;
  /** the last state read (for tests and /metrics) */
  state: HaState | null = null;

  constructor(private readonly o: HaReporterOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs ?? 2000);
    this.timer.unref?.();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Send the next state even if unchanged (the console may have lost it: reconnects). */
  resend(): void {
    this.lastKey = null;
    void this.tick();
  }

  /** One poll; resolves once it is reported (or found unchanged). Never overlaps itself. */
  tick(): Promise<void> {
    this.running ??= this.poll().finally(() => (this.running = null));
    return this.running;
  }

  private async poll(): Promise<void> {
    const now = this.o.now ?? Date.now;
    const state = await this.read(new Date(now()));
    this.state = state;
    const { at: _at, connections: _c, ...rest } = state;
    const key = JSON.stringify(rest);
    if (key === this.lastKey && now() - this.lastSentAt < (this.o.heartbeatMs ?? 30_000)) return;
    this.lastKey = key;
    this.lastSentAt = now();
    this.o.report({ type: 'ha', ha: state });
  }

  async read(at: Date): Promise<HaState> {
    const desired = this.o.desired();
    let vips: HaState['vips'] = null;
    let addressSource = this.o.addresses?.describe ?? 'not read (no address source)';
    if (this.o.addresses && desired) {
      try {
        vips = vipsOnInterfaces(clusterVips(desired), await this.o.addresses.read());
        this.noteError(null);
      } catch (e) {
        addressSource = `${this.o.addresses.describe} failed: ${(e as Error).message}`.slice(0, 300);
        this.noteError(addressSource);
      }
    } else if (!desired) addressSource = 'no desired revision yet: the VIPs are not known';
    let vrrp: VrrpInstance[] | null = null;
    if (this.o.vrrp) {
      try {
        vrrp = await this.o.vrrp.read();
      } catch (e) {
        this.noteError(`VRRP state: ${(e as Error).message}`);
      }
    }
    const syncDaemons = (this.o.live()?.globals.syncDaemons ?? []).map((d) => ({ state: d.state, syncId: d.syncId, interface: d.interface }));
    return { vips, addressSource, vrrp, syncDaemons, connections: connectionCount(this.o.stats()), at: at.toISOString() };
  }

  private noteError(e: string | null): void {
    if (e && e !== this.lastError) this.o.log.warn(`ha: ${e}`);
    this.lastError = e;
  }
}
