// SimEngine: a userspace IPVS the agent drives exactly as it drives a real director. The kernel
// (kernel.ts, conn-table.ts, estimator.ts, schedulers/) answers ops with ipvsadm's messages and
// exit codes; the traffic generator (traffic.ts) pushes client flows through it; time is either
// driven by tick(ms) (tests: deterministic) or by the wall clock after start() (the demo).
//
// Readback choices, so the sim reads like a real director read through ipvsadm:
// - globals.timeouts is never null: the kernel always holds tcp/tcpfin/udp timeouts (900/120/300
//   until --set changes them), exactly what `ipvsadm -L --timeout` shows. A desired `null` means
//   "leave them alone", so a planner never needs to touch them;
// - sync daemons show the values the user chose; fields left at the kernel's defaults
//   (maxlen = MTU 1500 − headers, group 224.0.0.81, port 8848, ttl 1) are omitted, as the model
//   writes them;
// - counters are the estimator's 2-s snapshot minus the -Z zero point, as the kernel reports them.
import { canonicalAddress, formatHostPort } from '@/lib/ipvs/addr';
import { withoutDaemonDefaults, type DirectorConfig, type ServiceKey } from '@/lib/ipvs/model';
import { realServerKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { Op } from '@/lib/ipvs/op';
import {
  formatConnList,
  formatDaemons,
  formatList,
  formatPersistentConn,
  formatProcConn,
  formatProcIpVs,
  formatProcStats,
  formatRateListing,
  formatStatsListing,
  formatThresholds,
  formatTimeouts,
} from '@/lib/ipvs/listing';
import { opToCommandLine } from '@/lib/ipvs/ops';
import { printRules } from '@/lib/ipvs/rules';
import type { ConnEntry, ConnFilter, StatsSnapshot } from '@/lib/ipvs/stats';
import { compileConnFilter } from '../conn-filter';
import type { ApplyResult, Engine, EngineFacts, ReadScope } from '../engine';
import { scopeOf } from '../../scoped-read';
import { CF_ONE_PACKET, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, type Conn, type SctpChunk, type TcpSeg } from './conn-table';
import { IpvsKernel } from './kernel';
import type { Sysctls } from '@/lib/ipvs/sysctls';
import { DEMO_PROFILE, foldOf, TrafficGenerator, TrafficProfileSchema, type TrafficProfile, type TrafficProfileInput } from './traffic';

export interface SimEngineOptions {
  /** wall clock, ms since the epoch (default Date.now); also dates readStats() */
  clock?: () => number;
  /** seeds the traffic and the random schedulers (twos); default 1 */
  seed?: number;
  /** 'demo' (the bundled profile), 'none' (default), or a profile */
  traffic?: 'demo' | 'none' | TrafficProfileInput | null;
  /** scheduler modules the simulated kernel has (default: all 14) */
  schedulers?: readonly string[];
  /** the kernel's IPVS settings at start (others at their defaults) */
  sysctls?: Sysctls;
  /** traffic step (default 1000 ms) */
  stepMs?: number;
}

/** A target for request(): a service key, or what a client aims at (address/port or a firewall mark). */
export type RequestTarget = ServiceKey | { protocol?: 'tcp' | 'udp' | 'sctp'; address: string; port: number; fwmark?: number };

export interface RequestOptions {
  /** client source port; default: the next ephemeral port of that client */
  clientPort?: number;
  requestBytes?: number;
  responseBytes?: number;
  /** keep the connection open (ESTABLISHED) instead of closing it at once */
  hold?: boolean;
}

/** What `ipvsadm -Ln` options select (the first of stats/rate/thresholds/persistentConn/tunInfo wins, as in ipvsadm). */
export interface ListOptions {
  stats?: boolean;
  rate?: boolean;
  exact?: boolean;
  thresholds?: boolean;
  persistentConn?: boolean;
  tunInfo?: boolean;
  /** one service, like `-t/-u/-f`: no banner; throws ipvsadm's "No such service" (exit 1) when absent */
  service?: ServiceKey;
  /** kernel list order (services as created, real servers newest first) */
  nosort?: boolean;
}

/** Where one request went: "10.20.3.2:80", or null when the director dropped it. */
export interface RequestResult {
  dest: string | null;
  /** closes a held connection (client FIN) */
  close(): void;
}

const CONN_TABLE_SIZE = 4096;
const KERNEL_VERSION = 'sim (Linux 6.1 IPVS semantics)';

export class SimEngine implements Engine {
  readonly kind = 'sim' as const;
  readonly kernel: IpvsKernel;
  private readonly traffic: TrafficGenerator;
  private readonly clock: () => number;
  /** wall-clock time of kernel time 0 */
  private readonly epoch: number;
  private readonly stepMs: number;
  private nextStep: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly down = new Map<string, string>();
  /** interface addresses (canonical address -> interface), as `ip addr` would list them */
  private readonly ifaddrs = new Map<string, string>();
  /** once an address was ever managed (the demo's VRRP), clients reach only the VIPs this director holds */
  private addressesManaged = false;

  constructor(opts: SimEngineOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.epoch = this.clock();
    const seed = opts.seed ?? 1;
    this.stepMs = opts.stepMs ?? 1000;
    this.kernel = new IpvsKernel({ startMs: 0, seed, schedulers: opts.schedulers, sysctls: opts.sysctls });
    this.traffic = new TrafficGenerator(this.kernel, (a, p) => this.backendUp(a, p), this.epoch, seed, resolveProfile(opts.traffic));
    this.nextStep = this.stepMs;
    this.traffic.admits = (svc) => this.receivesClients(svc.key);
  }

  /** Clients reach a service here only while its VIP is on an interface (once addresses are managed). */
  private receivesClients(key: ServiceKey): boolean {
    if (!this.addressesManaged) return true;
    // a firewall mark has no address: marked packets reach whichever director holds the VIPs
    if (key.protocol === 'fwmark') return this.ifaddrs.size > 0;
    return this.ifaddrs.has(canonicalAddress(key.address));
  }

  // ---- interfaces (HA) --------------------------------------------------------------------------

  /** From now on clients reach only the VIPs on this director's interfaces (the demo's VRRP segment moves them). */
  manageAddresses(): void {
    this.addressesManaged = true;
  }

  /** Configure an address on a simulated interface (what keepalived does to a VIP on becoming MASTER). */
  addAddress(address: string, iface = 'eth0'): void {
    this.addressesManaged = true;
    this.ifaddrs.set(canonicalAddress(address), iface);
  }

  removeAddress(address: string): void {
    this.addressesManaged = true;
    this.ifaddrs.delete(canonicalAddress(address));
  }

  /** The simulated interfaces' addresses, like `ip -j addr show` read by agent/ha/addresses.ts. */
  interfaceAddresses(): { address: string; interface: string }[] {
    return [...this.ifaddrs].map(([address, iface]) => ({ address, interface: iface }));
  }

  // ---- Engine -------------------------------------------------------------------------------

  async facts(): Promise<EngineFacts> {
    return {
      engine: 'sim',
      kernel: KERNEL_VERSION,
      ipvsVersion: '1.2.1',
      ipvsadmVersion: null,
      connTableSize: CONN_TABLE_SIZE,
      schedulers: this.kernel.schedulerNames(),
      sysctls: { ...this.kernel.sysctls },
    };
  }

  /** Scoped: the kernel is in memory, so a scoped read is the full picture filtered. */
  async readConfig(scope?: ReadScope): Promise<DirectorConfig> {
    return scope ? scopeOf(this.config(), scope) : this.config();
  }

  async readStats(): Promise<StatsSnapshot> {
    // dated when read, as a real kernel's read is: in wall-clock mode the simulated time otherwise
    // lags the clock by up to a 250 ms tick, and a sample dated into the previous second left a
    // second of the console's per-second series empty (seen as lost points after an outage)
    if (this.timer) this.advanceTo(this.clock() - this.epoch);
    return this.kernel.statsSnapshot(this.now());
  }

  async apply(ops: Op[]): Promise<ApplyResult> {
    return this.applySync(ops);
  }

  /** Entries of the connection table, filtered here; read in slices so a huge table never sits in memory twice. */
  async *connections(filter: Partial<ConnFilter> = {}): AsyncIterable<ConnEntry> {
    const match = compileConnFilter(filter);
    const all = [...this.kernel.conns.entries()];
    const now = this.kernel.now;
    for (let i = 0; i < all.length; i += 4096) {
      const slice: ConnEntry[] = [];
      for (const c of all.slice(i, i + 4096)) {
        if ((c.flags & CF_ONE_PACKET) !== 0 || c.tSlot < 0) continue; // expired meanwhile, or never hashed
        const e = this.entry(c, now);
        if (match(e)) slice.push(e);
      }
      yield* slice;
    }
  }

  async close(): Promise<void> {
    this.stop();
  }

  // ---- time -----------------------------------------------------------------------------------

  /** Wall-clock mode for the demo: time follows the clock, traffic steps once a second. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.advanceTo(this.clock() - this.epoch), Math.min(250, this.stepMs));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Deterministic time: advance by `ms`, running traffic steps, the estimator and expiry in order. */
  tick(ms: number): void {
    this.advanceTo(this.kernel.now + ms);
  }

  /** The simulated wall-clock time (ms since the epoch). */
  now(): number {
    return this.epoch + this.kernel.now;
  }

  private advanceTo(t: number): void {
    if (t <= this.kernel.now) return;
    // after a long stall (suspended laptop) do not replay hours of traffic: let the kernel catch up
    if (this.timer && t - this.nextStep > 60 * this.stepMs) {
      this.kernel.advance(t - this.stepMs);
      this.nextStep = Math.ceil((t - this.stepMs) / this.stepMs) * this.stepMs;
    }
    while (this.nextStep <= t) {
      this.kernel.advance(this.nextStep);
      this.traffic.step(this.nextStep, this.stepMs);
      this.nextStep += this.stepMs;
    }
    this.kernel.advance(t);
  }

  // ---- configuration and traffic ---------------------------------------------------------------

  /** apply() without the promise: stops at the first failure, exactly like one `ipvsadm` per op. */
  applySync(ops: readonly Op[]): ApplyResult {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const err = this.kernel.apply(op);
      if (err) return { ok: false, applied: i, failedOp: op, command: opToCommandLine(op), message: err.message, exitCode: err.exitCode };
    }
    return { ok: true, applied: ops.length };
  }

  config(): DirectorConfig {
    const c = this.kernel.config();
    c.globals.syncDaemons = c.globals.syncDaemons.map((d) =>
      withoutDaemonDefaults({ state: d.state, interface: d.interface, syncId: d.syncId, maxLen: d.maxLen, group: d.group, port: d.port, ttl: d.ttl }),
    );
    return c;
  }

  /** ipvsadm -Z [service] */
  zero(service?: ServiceKey): { ok: true } | { ok: false; message: string; exitCode: number } {
    const err = this.kernel.zero(service);
    return err ? { ok: false, ...err } : { ok: true };
  }

  /** Replace the traffic profile ('none' / null stops new connections; live ones run their course). */
  setTraffic(profile: 'demo' | 'none' | TrafficProfileInput | null): void {
    this.traffic.setProfile(resolveProfile(profile));
  }

  /** Connections opened / refused by the director / abandoned by clients, and flows alive now. */
  trafficStats(): { opened: number; refused: number; timedOut: number; liveFlows: number; noService: number; noDest: number } {
    return { ...this.traffic.stats, liveFlows: this.traffic.liveFlows, ...this.kernel.drops };
  }

  /**
   * One client connection through the director right now, as `curl` makes it: SYN, handshake
   * (if the backend answers), request and response, close (unless `hold`). Returns where it went.
   */
  request(target: RequestTarget, client: string, opts: RequestOptions = {}): RequestResult {
    return this.traffic.request(toTarget(target), canonicalAddress(client), opts);
  }

  /**
   * One packet from a client now, as the kernel's ip_vs_in takes it (conn_reuse_mode, sloppy_tcp,
   * sloppy_sctp and expire_nodest_conn decide): where it went ("10.20.1.2:80"), or null when no
   * entry carries it and it may not open one.
   */
  packet(target: RequestTarget, client: string, o: { clientPort: number; seg: TcpSeg | SctpChunk | null }): string | null {
    const t = toTarget(target);
    const saddr = canonicalAddress(client);
    const proto = t.protocol === 'udp' ? IPPROTO_UDP : t.protocol === 'sctp' ? IPPROTO_SCTP : IPPROTO_TCP;
    const c = this.kernel.inbound({ proto, saddr, sfold: foldOf(saddr), sport: o.clientPort, daddr: t.address, dfold: foldOf(t.address), dport: t.port, fwmark: t.fwmark, seg: o.seg, bytes: 60 });
    return c === null ? null : formatHostPort(c.dest.address, c.dport);
  }

  /** n requests from one client; counts by real server ("10.20.1.2:80" -> 5), dropped ones under "-". */
  hit(target: RequestTarget, n: number, client = '10.30.0.2'): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const d = this.request(target, client).dest ?? '-';
      out[d] = (out[d] ?? 0) + 1;
    }
    return out;
  }

  // ---- health ---------------------------------------------------------------------------------

  /** Mark a simulated backend up or down; port 0 means every port of that host. */
  setBackendHealth(address: string, port: number, healthy: boolean, reason = 'connect ECONNREFUSED'): void {
    const key = realServerKeyId({ address: canonicalAddress(address), port });
    if (healthy) this.down.delete(key);
    else this.down.set(key, reason);
  }

  /** The sim's health-check target: does this backend answer? */
  probeBackend(address: string, port: number): { ok: boolean; reason: string } {
    const a = canonicalAddress(address);
    const why = this.down.get(realServerKeyId({ address: a, port })) ?? this.down.get(realServerKeyId({ address: a, port: 0 }));
    return why === undefined ? { ok: true, reason: 'ok (1 ms)' } : { ok: false, reason: why };
  }

  private backendUp(address: string, port: number): boolean {
    return this.down.size === 0 || (!this.down.has(realServerKeyId({ address, port })) && !this.down.has(realServerKeyId({ address, port: 0 })));
  }

  // ---- listings: ipvsadm's own formats, so anything that reads a real director reads the sim ----------

  /** `ipvsadm -Sn` */
  printRules(): string {
    return printRules(this.config());
  }

  /** `ipvsadm -Ln [--stats|--rate|--thresholds|--persistent-conn|--tun-info] [--exact] [--nosort] [-t …]` */
  printList(o: ListOptions = {}): string {
    const cfg = o.nosort ? this.kernel.config({ kernelOrder: true }) : this.config();
    const snap = this.kernel.statsSnapshot(this.now(), { kernelOrder: o.nosort });
    const fo = { connTableSize: CONN_TABLE_SIZE, service: o.service, nosort: o.nosort };
    if (o.stats) return formatStatsListing(snap, { ...fo, exact: o.exact });
    if (o.rate) return formatRateListing(snap, { ...fo, exact: o.exact });
    if (o.thresholds) return formatThresholds(cfg, snap, fo);
    if (o.persistentConn) return formatPersistentConn(cfg, snap, fo);
    return formatList(cfg, snap, { ...fo, tunInfo: o.tunInfo });
  }

  /** `ipvsadm -Lnc [--persistent-conn]`, in table order like /proc/net/ip_vs_conn */
  printConnList(o: { persistentConn?: boolean } = {}): string {
    return formatConnList(this.entries(), o);
  }

  /** `ipvsadm -L --timeout` */
  printTimeouts(): string {
    return formatTimeouts(this.config().globals.timeouts!);
  }

  /** `ipvsadm -L --daemon`: the kernel's values, defaults included */
  printDaemons(): string {
    return formatDaemons(this.kernel.config().globals.syncDaemons);
  }

  /** /proc/net/ip_vs, /proc/net/ip_vs_stats, /proc/net/ip_vs_conn */
  printProc(file: 'ip_vs' | 'ip_vs_stats' | 'ip_vs_conn'): string {
    const snap = this.kernel.statsSnapshot(this.now(), { kernelOrder: true });
    if (file === 'ip_vs') {
      // the formatter prints real servers in reverse of what it is given (it assumes canonical
      // order and no history); we have the history, so hand it the list order reversed
      const cfg = this.config();
      const byId = new Map([...this.kernel.services.values()].map((svc) => [svc.id, svc]));
      for (const s of cfg.services) {
        const live = byId.get(serviceKeyId(s))!;
        const at = new Map(live.dests.map((d, i) => [realServerKeyId(d), i]));
        s.realServers.sort((a, b) => at.get(realServerKeyId(b))! - at.get(realServerKeyId(a))!);
      }
      return formatProcIpVs(cfg, snap, { connTableSize: CONN_TABLE_SIZE });
    }
    if (file === 'ip_vs_stats') return formatProcStats(snap.totals);
    return formatProcConn(this.entries());
  }

  private *entries(): IterableIterator<ConnEntry> {
    const now = this.kernel.now;
    for (const c of this.kernel.conns.entries()) if ((c.flags & CF_ONE_PACKET) === 0) yield this.entry(c, now);
  }

  private entry(c: Conn, now: number): ConnEntry {
    return {
      protocol: protoLabel(c.proto),
      clientAddress: c.caddr,
      clientPort: c.cport,
      virtualAddress: c.vaddr,
      virtualPort: c.vport,
      destAddress: c.dest.address,
      destPort: c.dport,
      state: this.kernel.conns.stateName(c),
      expires: Math.max(0, Math.floor((c.expires - now) / 1000)),
      template: c.isTemplate,
    };
  }
}

function protoLabel(p: number): string {
  return p === 6 ? 'TCP' : p === 17 ? 'UDP' : p === 132 ? 'SCTP' : p === 0 ? 'IP' : `IP_${p}`;
}

function resolveProfile(p: SimEngineOptions['traffic']): TrafficProfile | null {
  if (p === undefined || p === null || p === 'none') return null;
  if (p === 'demo') return DEMO_PROFILE;
  return TrafficProfileSchema.parse(p);
}

function toTarget(t: RequestTarget): { protocol: 'tcp' | 'udp' | 'sctp'; address: string; port: number; fwmark?: number } {
  if (t.protocol === 'fwmark') return { protocol: 'tcp', address: t.family === 'inet6' ? '2001:db8:f::1' : '198.51.100.1', port: 80, fwmark: t.fwmark };
  const k = t as { protocol?: 'tcp' | 'udp' | 'sctp'; address: string; port: number; fwmark?: number };
  return { protocol: k.protocol ?? 'tcp', address: canonicalAddress(k.address), port: k.port, fwmark: k.fwmark };
}

export { DEMO_PROFILE, TrafficProfileSchema, type TrafficProfile, type TrafficProfileInput } from './traffic';
export type { KernelSysctls } from './kernel';
