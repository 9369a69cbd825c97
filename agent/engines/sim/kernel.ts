// The simulated kernel side of IPVS (ip_vs_ctl.c + ip_vs_core.c scheduling): virtual services and
// destinations with the kernel's semantics and errnos, the destination trash, scheduling of new
// connections (with persistence templates), the estimator timer and the per-protocol timeouts.
// Every op goes through the core's ipvsadm command line first (opToArgv -> parseIpvsadmArgv, as a
// real director's ipvsadm reads it), so a failing op fails with the same text and exit status, and
// the kernel's refusals are worded by the one table (lib/ipvs/kernel-errors.ts).
import { addressFamily, canonicalAddress, formatIPv6, intToIPv4, ipv4ToInt, parseIPv6, type Family } from '@/lib/ipvs/addr';
import { addressWords } from '@/lib/ipvs/inet';
import { sortRealServers, sortServices } from '@/lib/ipvs/kernel-table';
import {
  PROTOCOL_NUMBER,
  SCHED_FLAG_BITS,
  schedFlagBit,
  schedFlagKernelValue,
  schedFlagName,
  serviceFamily,
  type DirectorConfig,
  type Forwarding,
  type RealServer,
  type Scheduler as SchedulerName,
  type ServiceKey,
  type SyncDaemon,
  type VirtualService,
} from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import type { Op, RealServerSpec } from '@/lib/ipvs/op';
import type { ServiceStats, StatsSnapshot } from '@/lib/ipvs/stats';
import { IpvsadmError } from '@/lib/ipvs/errors';
import { KERNEL_REFUSAL_EXIT, kernelRefusal, sysctlRefusalText, type Errno, type KernelCommand } from '@/lib/ipvs/kernel-errors';
import { argvToOp, opToArgv } from '@/lib/ipvs/ops';
import { formatSysctlValue, parseSysctlValue, SYSCTL_NAMES, SYSCTL_PREFIX, SYSCTL_TABLE, type SysctlName, type Sysctls } from '@/lib/ipvs/sysctls';
import {
  CF_NOOUTPUT,
  CF_ONE_PACKET,
  CF_TEMPLATE,
  Conn,
  ConnTable,
  DIR_INPUT,
  IPPROTO_IP,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SCTP_STATE_NAMES,
  TCP,
  type ConnDest,
  type SctpChunk,
  type TcpSeg,
} from './conn-table';
import { ESTIMATOR_PERIOD_MS, IpvsStats } from './estimator';
import { Rng } from './rng';
import { SCHEDULER_MODULES } from './schedulers/index';
import { DEST_F_AVAILABLE, DEST_F_OVERLOAD, type SchedDest, type SchedEnv, type SchedService, type Scheduler } from './schedulers/types';

/**
 * Every /proc/sys/net/ipv4/vs setting of the table (lib/ipvs/sysctls.ts), at the kernel's defaults
 * (sync_qlen_max as a 1 GiB guest computes it). The simulator honours expire_nodest_conn,
 * expire_quiescent_template, conn_reuse_mode, sloppy_tcp, sloppy_sctp and lblc(r)_expiration; the others are held and
 * read back.
 */
export type KernelSysctls = Required<Sysctls>;
export function defaultKernelSysctls(): KernelSysctls {
  const d = Object.fromEntries(SYSCTL_NAMES.map((n) => [n, SYSCTL_TABLE[n].kernelDefault])) as Record<SysctlName, unknown>;
  return { ...d, sync_qlen_max: 7155, sync_threshold: [3, 50] } as KernelSysctls;
}

/** IP_VS_DEST_TRASH_PERIOD: a deleted destination without connections is freed after this idle time. */
const DEST_TRASH_PERIOD_MS = 120_000;
const PERIODIC_MS = 60_000;
const FTPPORT = 21;

/** A refused command: ipvsadm's stderr line and exit status. */
export interface CommandError {
  message: string;
  exitCode: number;
}

/** The kernel's answer (an errno) as ipvsadm prints it for that command, exit status 255. */
const refused = (command: KernelCommand, errno: Errno): CommandError => ({ message: kernelRefusal(command, errno).message, exitCode: KERNEL_REFUSAL_EXIT });

/**
 * inet_addr_type() is RTN_UNICAST/RTN_LOCAL (IPv4: not 0.0.0.0/8, multicast or the limited
 * broadcast), or ipv6_addr_type() has IPV6_ADDR_UNICAST and is not link-local (IPv6: not ::,
 * multicast, link-local or v4-mapped).
 */
export function isUnicast(address: string): boolean {
  const w = addressWords(address);
  if (addressFamily(address) === 'inet') {
    const a = w[0] >>> 24;
    return a !== 0 && !(a >= 224 && a <= 239) && w[0] !== 0xffffffff;
  }
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0) return false;
  if (w[0] >>> 24 === 0xff) return false;
  if (w[0] >>> 22 === 0x3fa) return false; // fe80::/10
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return false; // ::ffff:0:0/96
  return true;
}

/** serviceKeyId of a key whose address may not be in canonical text yet. */
function keyId(key: ServiceKey): string {
  return serviceKeyId(key.protocol === 'fwmark' ? key : { protocol: key.protocol, address: canonicalAddress(key.address), port: key.port });
}

/** The kernel folds an address to 32 bits in the SERVICE's family (addr->ip for AF_INET). */
function foldAddress(address: string, svcFamily: Family): number {
  const w = addressWords(address);
  return svcFamily === 'inet' ? w[0] : (w[0] ^ w[1] ^ w[2] ^ w[3]) >>> 0;
}

/** struct ip_vs_dest */
export class Dest implements SchedDest, ConnDest {
  idx = 0;
  flags = 0;
  weight = 0;
  lastWeight = 0;
  uThreshold = 0;
  lThreshold = 0;
  activeConns = 0;
  inactConns = 0;
  persistConns = 0;
  refcnt = 0;
  connFlags = 0;
  forwarding: Forwarding = 'route';
  tunnelType: RealServer['tunnelType'];
  tunnelPort: number | undefined;
  tunnelChecksum: RealServer['tunnelChecksum'];
  readonly stats = new IpvsStats();
  /** trash: when it was first seen unreferenced */
  idleStart = 0;
  readonly fold: number;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly family: Family,
    public svc: Service,
  ) {
    this.fold = foldAddress(address, svc.af);
  }

  get svcStats(): IpvsStats {
    return this.svc.stats;
  }
}

/** struct ip_vs_service */
export class Service implements SchedService {
  readonly id: string;
  readonly key: ServiceKey;
  readonly af: Family;
  /** IPPROTO_* of an address service; 0 for fwmark */
  readonly proto: number;
  readonly port: number;
  readonly fwmark: number;
  scheduler = 'wlc';
  sched!: Scheduler<unknown>;
  schedState: unknown = null;
  schedFlags = 0;
  persistent = false;
  /** persistence timeout, seconds */
  timeout = 0;
  /** IPv4 mask as a u32, or IPv6 prefix length */
  mask = 0xffffffff;
  plen = 128;
  netmaskText: string | undefined;
  pe: string | undefined;
  onePacket = false;
  dests: Dest[] = [];
  readonly stats = new IpvsStats();

  constructor(key: ServiceKey) {
    this.key = key.protocol === 'fwmark' ? { protocol: 'fwmark', fwmark: key.fwmark, family: key.family } : { protocol: key.protocol, address: canonicalAddress(key.address), port: key.port };
    this.id = serviceKeyId(this.key);
    this.af = serviceFamily(this.key);
    this.proto = key.protocol === 'fwmark' ? IPPROTO_IP : PROTOCOL_NUMBER[key.protocol];
    this.port = key.protocol === 'fwmark' ? 0 : key.port;
    this.fwmark = key.protocol === 'fwmark' ? key.fwmark : 0;
  }

  reindex(): void {
    const ds = this.dests;
    for (let i = 0; i < ds.length; i++) ds[i]!.idx = i;
  }
}

/** The first packet of a new flow, as the kernel sees it. */
export interface FirstPacket {
  /** IPPROTO_TCP / UDP / SCTP */
  proto: number;
  saddr: string;
  /** the client address folded for hashing (IPv4: as a u32) */
  sfold: number;
  sport: number;
  daddr: string;
  dfold: number;
  dport: number;
  /** netfilter mark set by the firewall; matches fwmark services first */
  fwmark?: number;
  /** TCP segment class / SCTP chunk of the packet (a SYN / INIT opens a flow) */
  seg: TcpSeg | SctpChunk | null;
  bytes: number;
}

export interface KernelOptions {
  startMs: number;
  seed: number;
  /** scheduler modules this kernel has (default: all 14) */
  schedulers?: readonly string[];
  sysctls?: Sysctls;
}

export class IpvsKernel {
  readonly services = new Map<string, Service>();
  readonly trash: Dest[] = [];
  readonly tot = new IpvsStats();
  readonly conns: ConnTable;
  readonly sysctls: KernelSysctls;
  readonly daemons: { master?: SyncDaemon; backup?: SyncDaemon } = {};
  /** packets the kernel could not place: no service matched / no destination available */
  readonly drops = { noService: 0, noDest: 0 };
  now: number;
  private readonly modules: Map<string, Scheduler<unknown>>;
  private readonly env: SchedEnv;
  private nextEstimate: number;
  private nextPeriodic: number;
  private portZeroServices = 0;

  constructor(opts: KernelOptions) {
    this.now = opts.startMs;
    this.conns = new ConnTable(this.tot, opts.startMs);
    this.sysctls = { ...defaultKernelSysctls(), ...opts.sysctls };
    const names = opts.schedulers ?? [...SCHEDULER_MODULES.keys()];
    this.modules = new Map(names.filter((n) => SCHEDULER_MODULES.has(n)).map((n) => [n, SCHEDULER_MODULES.get(n)!]));
    const rng = new Rng(opts.seed, 1);
    const sys = this.sysctls;
    this.env = {
      now: () => this.now,
      random32: () => rng.u32(),
      get lblcExpirationMs() {
        return sys.lblc_expiration * 1000;
      },
      get lblcrExpirationMs() {
        return sys.lblcr_expiration * 1000;
      },
    };
    this.nextEstimate = opts.startMs + ESTIMATOR_PERIOD_MS;
    this.nextPeriodic = opts.startMs + PERIODIC_MS;
  }

  schedulerNames(): string[] {
    return [...this.modules.keys()];
  }

  // ---- time ------------------------------------------------------------------------------

  /** Run timers up to `to`: connection expiry, the 2 s estimator, the 60 s trash / cache reapers. */
  advance(to: number): void {
    for (;;) {
      const next = Math.min(this.nextEstimate, this.nextPeriodic);
      if (next > to) break;
      this.conns.advance(next);
      this.now = next;
      if (next === this.nextEstimate) {
        this.estimate();
        this.nextEstimate += ESTIMATOR_PERIOD_MS;
      }
      if (next === this.nextPeriodic) {
        this.periodic();
        this.nextPeriodic += PERIODIC_MS;
      }
    }
    this.conns.advance(to);
    this.now = Math.max(this.now, to);
  }

  private estimate(): void {
    for (const svc of this.services.values()) {
      svc.stats.estimate();
      for (const d of svc.dests) d.stats.estimate();
    }
    this.tot.estimate();
  }

  private periodic(): void {
    // ip_vs_dest_trash_expire: free unreferenced destinations idle for the trash period
    for (let i = this.trash.length - 1; i >= 0; i--) {
      const d = this.trash[i]!;
      if (d.refcnt > 0) continue;
      if (d.idleStart === 0) {
        d.idleStart = Math.max(1, this.now);
        continue;
      }
      if (this.now < d.idleStart + DEST_TRASH_PERIOD_MS) continue;
      this.trash.splice(i, 1);
    }
    for (const svc of this.services.values()) {
      if (svc.sched.gc) svc.sched.gc(svc, svc.schedState, this.env);
    }
  }

  // ---- configuration (ipvsadm commands) ---------------------------------------------------

  /** Run one ipvsadm command; null on success, else what ipvsadm prints and its exit status. */
  apply(op: Op): CommandError | null {
    if (op.op === 'set-sysctl') {
      // proc_dointvec and friends: what the kernel refuses is what the model refuses (lib/ipvs/sysctls.ts)
      const parsed = parseSysctlValue(op.name, formatSysctlValue(op.value));
      if (!parsed.ok) return { message: sysctlRefusalText(`${SYSCTL_PREFIX}${op.name}`, 'EINVAL'), exitCode: 255 };
      (this.sysctls as Record<SysctlName, unknown>)[op.name] = parsed.value;
      return null;
    }
    // what the kernel receives is what ipvsadm makes of the op's command line (its checks first)
    let asRun: Op;
    try {
      asRun = argvToOp(opToArgv(op));
    } catch (e) {
      if (e instanceof IpvsadmError) return { message: e.message, exitCode: e.exitCode };
      throw e;
    }
    switch (asRun.op) {
      case 'add-service':
        return this.addService(asRun.service);
      case 'edit-service':
        return this.editService(asRun.service);
      case 'delete-service':
        return this.deleteService(asRun.service);
      case 'add-server':
        return this.updateDest(asRun.service, asRun.server, true);
      case 'edit-server':
        return this.updateDest(asRun.service, asRun.server, false);
      case 'delete-server':
        return this.deleteDest(asRun.service, asRun.server);
      case 'set-timeouts': {
        // ip_vs_set_timeout: 0 leaves a value unchanged
        const t = this.conns.timeouts;
        if (asRun.timeouts.tcp) t.tcp[TCP.ESTABLISHED] = asRun.timeouts.tcp * 1000;
        if (asRun.timeouts.tcpfin) t.tcp[TCP.FIN_WAIT] = asRun.timeouts.tcpfin * 1000;
        if (asRun.timeouts.udp) t.udp = asRun.timeouts.udp * 1000;
        return null;
      }
      case 'start-daemon':
        return this.startDaemon(asRun.daemon);
      case 'stop-daemon': {
        if (!this.daemons[asRun.state]) return refused('stop-daemon', 'ESRCH');
        delete this.daemons[asRun.state];
        return null;
      }
      case 'set-sysctl':
        return null; // handled above: never an ipvsadm command line
    }
  }

  private addService(spec: VirtualService): CommandError | null {
    if (this.services.has(keyId(spec))) return refused('add-service', 'EEXIST');
    const sched = this.modules.get(spec.scheduler);
    if (!sched || (spec.persistence?.pe !== undefined && spec.persistence.pe !== 'sip')) return refused('add-service', 'ENOENT');
    const svc = new Service(spec);
    this.setServiceFields(svc, spec);
    svc.scheduler = spec.scheduler;
    svc.sched = sched;
    svc.schedState = sched.init(svc, this.env);
    this.services.set(svc.id, svc);
    if (svc.proto !== IPPROTO_IP && svc.port === 0) this.portZeroServices++;
    return null;
  }

  private editService(spec: VirtualService): CommandError | null {
    const svc = this.services.get(keyId(spec));
    if (!svc) return refused('edit-service', 'ESRCH');
    const sched = this.modules.get(spec.scheduler);
    if (!sched || (spec.persistence?.pe !== undefined && spec.persistence.pe !== 'sip')) return refused('edit-service', 'ENOENT');
    // only a different scheduler is rebound: its state (cursor, tables, caches) starts over
    if (spec.scheduler !== svc.scheduler) {
      svc.sched.done?.(svc, svc.schedState);
      svc.scheduler = spec.scheduler;
      svc.sched = sched;
      svc.schedState = sched.init(svc, this.env);
    }
    this.setServiceFields(svc, spec);
    return null;
  }

  /** Flags, persistence timeout, netmask, PE: everything -A/-E carry (a complete object). */
  private setServiceFields(svc: Service, spec: VirtualService): void {
    svc.schedFlags = spec.schedFlags.reduce((bits, f) => bits | schedFlagKernelValue(schedFlagBit(f)), 0);
    svc.onePacket = spec.onePacket;
    const p = spec.persistence;
    svc.persistent = p !== undefined;
    svc.timeout = p?.timeout ?? 0;
    svc.pe = p?.pe;
    svc.netmaskText = p?.netmask;
    if (svc.af === 'inet') svc.mask = p?.netmask !== undefined ? ipv4ToInt(p.netmask) : 0xffffffff;
    else svc.plen = p?.netmask !== undefined ? Number(p.netmask) : 128;
  }

  private deleteService(key: ServiceKey): CommandError | null {
    const svc = this.services.get(keyId(key));
    if (!svc) return refused('delete-service', 'ESRCH');
    // __ip_vs_del_service: every destination to the trash (no del_dest hook), then unbind
    for (const d of svc.dests) this.toTrash(d);
    svc.dests = [];
    svc.sched.done?.(svc, svc.schedState);
    this.services.delete(svc.id);
    if (svc.proto !== IPPROTO_IP && svc.port === 0) this.portZeroServices--;
    return null;
  }

  private toTrash(d: Dest): void {
    d.flags &= ~DEST_F_AVAILABLE;
    d.idleStart = 0;
    this.trash.push(d);
  }

  /** ip_vs_add_dest / ip_vs_edit_dest + __ip_vs_update_dest */
  private updateDest(key: ServiceKey, raw: RealServerSpec, add: boolean): CommandError | null {
    const command = add ? 'add-server' : 'edit-server';
    const spec = { ...raw, address: canonicalAddress(raw.address) };
    const svc = this.services.get(keyId(key));
    if (!svc) return refused(command, 'ESRCH');
    // ipvsadm: with -g or -i the real server port is the service port (fwmark: as given)
    const port = svc.proto !== IPPROTO_IP && spec.forwarding !== 'masq' ? svc.port : spec.port;
    const family = addressFamily(spec.address)!;
    if (family !== svc.af) {
      // the sync protocol cannot carry mixed families; only tunnels can forward across them
      if (this.daemons.master || this.daemons.backup) return refused(command, 'EINVAL');
      if (spec.forwarding !== 'tunnel') return refused(command, 'EINVAL');
    }
    if (spec.weight < 0 || spec.lowerThreshold > spec.upperThreshold) return refused(command, 'ERANGE');
    let dest = svc.dests.find((d) => d.address === spec.address && d.port === port);
    if (add) {
      if (dest) return refused(command, 'EEXIST');
      const fromTrash = this.trash.findIndex((d) => d.svc.id === svc.id && d.address === spec.address && d.port === port);
      if (fromTrash >= 0) {
        dest = this.trash.splice(fromTrash, 1)[0]!;
        dest.idleStart = 0;
        // revived into a new incarnation of the service: its counters start over
        if (dest.svc !== svc) {
          dest.stats.zero();
          dest.svc = svc;
        }
      } else {
        // ip_vs_new_dest: only a unicast (or local) address can be a real server
        if (!isUnicast(spec.address)) return refused(command, 'EINVAL');
        dest = new Dest(spec.address, port, family, svc);
      }
    } else if (!dest) return refused(command, 'ENOENT');

    if (add || spec.weight !== 0) dest.lastWeight = spec.weight;
    dest.weight = spec.weight;
    dest.forwarding = spec.forwarding;
    dest.connFlags = spec.forwarding === 'masq' ? 0 : CF_NOOUTPUT;
    const tunnel = spec.forwarding === 'tunnel';
    dest.tunnelType = tunnel ? (spec.tunnelType ?? 'ipip') : undefined;
    dest.tunnelPort = tunnel && dest.tunnelType === 'gue' ? spec.tunnelPort : undefined;
    dest.tunnelChecksum = tunnel && dest.tunnelType !== 'ipip' ? (spec.tunnelChecksum ?? 'nocsum') : undefined;
    dest.flags |= DEST_F_AVAILABLE;
    // a raised or removed upper threshold lifts OVERLOAD at once
    if (spec.upperThreshold === 0 || spec.upperThreshold > dest.uThreshold) dest.flags &= ~DEST_F_OVERLOAD;
    dest.uThreshold = spec.upperThreshold;
    dest.lThreshold = spec.lowerThreshold;
    if (add) {
      svc.dests.unshift(dest);
      svc.reindex();
      svc.sched.addDest?.(svc, svc.schedState, dest);
    } else svc.sched.updDest?.(svc, svc.schedState, dest);
    return null;
  }

  private deleteDest(key: ServiceKey, server: { address: string; port: number }): CommandError | null {
    const svc = this.services.get(keyId(key));
    if (!svc) return refused('delete-server', 'ESRCH');
    const address = canonicalAddress(server.address);
    const dest = svc.dests.find((d) => d.address === address && d.port === server.port);
    if (!dest) return refused('delete-server', 'ENOENT');
    const at = dest.idx;
    svc.dests.splice(at, 1);
    svc.reindex();
    this.toTrash(dest);
    svc.sched.delDest?.(svc, svc.schedState, dest, at);
    if (this.sysctls.expire_nodest_conn === 1) this.expireConnsOf(dest);
    return null;
  }

  /** Since 5.9, with expire_nodest_conn=1 a work item expires a deleted destination's entries. */
  private expireConnsOf(dest: Dest): void {
    const victims: Conn[] = [];
    for (const c of this.conns.entries()) if (c.dest === dest && !c.isTemplate) victims.push(c);
    for (const c of victims) this.conns.expireNow(c, this.now);
  }

  private startDaemon(d: SyncDaemon): CommandError | null {
    if (this.daemons[d.state]) return refused('start-daemon', 'EEXIST');
    // the sync protocol is incompatible with mixed-family destinations
    for (const svc of this.services.values()) for (const x of svc.dests) if (x.family !== svc.af) return refused('start-daemon', 'EINVAL');
    const v6 = d.group !== undefined && addressFamily(d.group) === 'inet6';
    this.daemons[d.state] = {
      state: d.state,
      interface: d.interface,
      syncId: d.syncId,
      // what the kernel fills in (start_sync_thread) and `ipvsadm -L --daemon` then shows
      maxLen: d.maxLen ?? (v6 ? 1500 - 40 - 8 : 1500 - 20 - 8),
      group: d.group ?? '224.0.0.81',
      port: d.port ?? 8848,
      ttl: d.ttl ?? 1,
    };
    return null;
  }

  /** ipvsadm -Z [service]: zero points for the service and its destinations, or everything. */
  zero(key?: ServiceKey): CommandError | null {
    const zeroSvc = (svc: Service) => {
      svc.stats.zero();
      for (const d of svc.dests) d.stats.zero();
    };
    if (key) {
      const svc = this.services.get(keyId(key));
      if (!svc) return refused('zero-service', 'ESRCH');
      zeroSvc(svc);
      return null;
    }
    for (const svc of this.services.values()) zeroSvc(svc);
    this.tot.zero();
    return null;
  }

  // ---- traffic: scheduling new connections --------------------------------------------------

  /** ip_vs_service_find: fwmark first, then proto/addr/port, then a port-zero (catch-all) service. */
  findService(p: FirstPacket): Service | undefined {
    const fam = p.daddr.includes(':') ? 'inet6' : 'inet';
    let svc: Service | undefined;
    if (p.fwmark) svc = this.services.get(`fwmark|${fam}|${p.fwmark}`);
    if (!svc) {
      const proto = p.proto === IPPROTO_TCP ? 'tcp' : p.proto === IPPROTO_UDP ? 'udp' : 'sctp';
      svc = this.services.get(`${proto}|${p.daddr}|${p.dport}`);
      if (!svc && this.portZeroServices > 0) svc = this.services.get(`${proto}|${p.daddr}|0`);
    }
    return svc;
  }

  /**
   * A packet that matches no connection: find the service, schedule (or follow a persistence
   * template), create the entry, and process the packet on it. Null when the kernel drops it.
   */
  connect(p: FirstPacket): Conn | null {
    const svc = this.findService(p);
    if (!svc) {
      this.drops.noService++;
      return null;
    }
    const c = svc.persistent ? this.schedulePersistent(svc, p) : this.scheduleOne(svc, p);
    if (!c) {
      this.drops.noDest++;
      return null;
    }
    this.conns.packet(c, DIR_INPUT, p.seg, 1, p.bytes, this.now, this.sysctls.expire_nodest_conn === 1);
    return c;
  }

  /**
   * ip_vs_in for one packet from a client: the entry of its tuple carries it, except that a new
   * SYN (SCTP INIT) on a finished entry is scheduled afresh when conn_reuse_mode allows (bit 1:
   * TIME_WAIT; bit 2: also FIN_WAIT without replies, as DR sees it), never under persistence. With
   * no entry, only a SYN / INIT opens one — any segment but RST with sloppy_tcp, any chunk but ABORT
   * with sloppy_sctp; other packets are left to the director's own stack (null). The lookup scans
   * the table: this is the per-packet path of tests and the conformance suite, not of the traffic
   * generator, whose flows hold their entries.
   */
  inbound(p: FirstPacket): Conn | null {
    let c: Conn | null = null;
    for (const e of this.conns.entries()) if (!e.isTemplate && e.proto === p.proto && e.cport === p.sport && e.vport === p.dport && e.caddr === p.saddr && e.vaddr === p.daddr) c = e;
    const mode = this.sysctls.conn_reuse_mode;
    if (c !== null && isNewConn(p) && mode !== 0) {
      if (this.sysctls.expire_nodest_conn === 1 && (c.dest.flags & DEST_F_AVAILABLE) === 0) {
        this.conns.expireNow(c, this.now);
        c = null;
      } else if (newConnExpected(c, mode)) {
        if (c.nControl === 0) this.conns.expireNow(c, this.now);
        c = null;
      }
    }
    if (c !== null) return this.conns.packet(c, DIR_INPUT, p.seg, 1, p.bytes, this.now, this.sysctls.expire_nodest_conn === 1) ? c : null;
    if (!this.mayOpen(p)) return null;
    return this.connect(p);
  }

  /** tcp_conn_schedule / sctp_conn_schedule: which packets may create an entry. */
  private mayOpen(p: FirstPacket): boolean {
    if (p.proto === IPPROTO_TCP) return this.sysctls.sloppy_tcp === 1 ? p.seg !== 'rst' : p.seg === 'syn';
    if (p.proto === IPPROTO_SCTP) return this.sysctls.sloppy_sctp === 1 ? p.seg !== 'abort' : p.seg === 'init';
    return true;
  }

  private pick(svc: Service, p: FirstPacket): Dest | null {
    return svc.sched.schedule(svc, svc.schedState, { protocol: p.proto, saddr: p.saddr, sfold: p.sfold, sport: p.sport, daddr: p.daddr, dfold: p.dfold, dport: p.dport }, this.env) as Dest | null;
  }

  /** ip_vs_schedule for a non-persistent service. */
  private scheduleOne(svc: Service, p: FirstPacket): Conn | null {
    // port-zero services only work with persistence
    if (svc.fwmark === 0 && p.dport !== svc.port) return null;
    const dest = this.pick(svc, p);
    if (!dest) return null;
    const flags = svc.onePacket && p.proto === IPPROTO_UDP ? CF_ONE_PACKET : 0;
    const c = this.conns.create(p.proto, p.saddr, p.sport, p.daddr, p.dport, dest.port || p.dport, flags, dest, this.now);
    this.conns.countConn(c);
    return c;
  }

  /** ip_vs_sched_persist: one template per masked client, reused while its destination is usable. */
  private schedulePersistent(svc: Service, p: FirstPacket): Conn | null {
    const snet = this.maskClient(svc, p);
    let tplProto = p.proto;
    let tplVaddr = p.daddr;
    let tplVport = 0;
    if (p.dport === svc.port) {
      if (svc.port !== FTPPORT) tplVport = p.dport;
    } else if (svc.fwmark !== 0) {
      // fwmark template: <IPPROTO_IP, snet, 0, fwmark-as-address, 0>; one template for all its ports
      tplProto = IPPROTO_IP;
      tplVaddr = fwmarkAddress(svc.fwmark, svc.af);
    }
    const key = ConnTable.templateKey(tplProto, snet, tplVaddr, tplVport);
    let ct = this.conns.templates.get(key) ?? null;
    if (ct !== null && !this.checkTemplate(ct)) {
      this.conns.invalidateTemplate(ct);
      ct = null;
    }
    let dest: Dest;
    if (ct === null) {
      const picked = this.pick(svc, p);
      if (!picked) return null;
      dest = picked;
      const tplDport = p.dport === svc.port && svc.port !== FTPPORT ? dest.port : 0;
      ct = this.conns.create(tplProto, snet, 0, tplVaddr, tplVport, tplDport, CF_TEMPLATE, dest, this.now);
      ct.timeout = svc.timeout * 1000; // the timeout at template creation; a later -E does not change it
      this.conns.templates.set(key, ct);
    } else dest = ct.dest as Dest;
    const dport = p.dport === svc.port && dest.port ? dest.port : p.dport;
    const flags = svc.onePacket && p.proto === IPPROTO_UDP ? CF_ONE_PACKET : 0;
    const c = this.conns.create(p.proto, p.saddr, p.sport, p.daddr, p.dport, dport, flags, dest, this.now);
    this.conns.attach(c, ct);
    this.conns.put(ct, this.now); // every use restarts the template's timer
    this.conns.countConn(c);
    return c;
  }

  /** ip_vs_check_template: the template's destination must still be there (and not quiesced, if asked). */
  private checkTemplate(ct: Conn): boolean {
    const d = ct.dest as Dest;
    if ((d.flags & DEST_F_AVAILABLE) === 0) return false;
    if (this.sysctls.expire_quiescent_template === 1 && d.weight === 0) return false;
    return true;
  }

  private maskClient(svc: Service, p: FirstPacket): string {
    if (svc.af === 'inet') return svc.mask === 0xffffffff ? p.saddr : intToIPv4((p.sfold & svc.mask) >>> 0);
    if (svc.plen >= 128) return p.saddr;
    const g = parseIPv6(p.saddr)!;
    let bits = svc.plen;
    const out = g.map((x) => {
      const keep = Math.max(0, Math.min(16, bits));
      bits -= 16;
      return keep === 0 ? 0 : keep === 16 ? x : x & (0xffff << (16 - keep)) & 0xffff;
    });
    return formatIPv6(out);
  }

  // ---- reading the state ----------------------------------------------------------------------

  /**
   * The live configuration, in the model's canonical form; with kernelOrder, services as created
   * and real servers in list order (newest first), as `--nosort` and /proc/net/ip_vs show them.
   */
  config(o: { kernelOrder?: boolean } = {}): DirectorConfig {
    const t = this.conns.timeouts;
    let services = [...this.services.values()].map((svc) => serviceConfig(svc, o.kernelOrder ?? false));
    if (!o.kernelOrder) services = sortServices(services);
    const syncDaemons = (['master', 'backup'] as const).flatMap((s) => (this.daemons[s] ? [{ ...this.daemons[s]! }] : []));
    return {
      globals: { timeouts: { tcp: t.tcp[TCP.ESTABLISHED]! / 1000, tcpfin: t.tcp[TCP.FIN_WAIT]! / 1000, udp: t.udp / 1000 }, syncDaemons, sysctls: { ...this.sysctls } },
      services: services as DirectorConfig['services'],
    };
  }

  /** Counters (as of the last estimator pass, minus -Z), rates and connection counts. */
  statsSnapshot(at: number, o: { kernelOrder?: boolean } = {}): StatsSnapshot {
    let all = [...this.services.values()];
    if (!o.kernelOrder) all = sortServices(all.map((svc) => ({ ...svc.key, svc }))).map((x) => x.svc);
    const services: ServiceStats[] = all.map((svc) => ({
      service: svc.key,
      counters: svc.stats.counters(),
      rates: svc.stats.rates(),
      realServers: (o.kernelOrder ? svc.dests : sortRealServers([...svc.dests])).map((d) => ({
        address: d.address,
        port: d.port,
        activeConns: d.activeConns,
        inactConns: d.inactConns,
        persistConns: d.persistConns,
        counters: d.stats.counters(),
        rates: d.stats.rates(),
      })),
    }));
    return { at, totals: { counters: this.tot.counters(), rates: this.tot.rates() }, services };
  }
}

const SCTP_CLOSED = SCTP_STATE_NAMES.indexOf('CLOSED');

/** is_new_conn: a SYN without ACK, an SCTP INIT. */
function isNewConn(p: FirstPacket): boolean {
  return (p.proto === IPPROTO_TCP && p.seg === 'syn') || (p.proto === IPPROTO_SCTP && p.seg === 'init');
}

/** is_new_conn_expected: a finished entry a new connection may replace (never one under a persistence template). */
function newConnExpected(c: Conn, mode: number): boolean {
  if (c.control !== null) return false;
  if (c.proto === IPPROTO_TCP) return c.state === TCP.TIME_WAIT || ((mode & 2) !== 0 && c.state === TCP.FIN_WAIT && (c.flags & CF_NOOUTPUT) !== 0);
  if (c.proto === IPPROTO_SCTP) return c.state === SCTP_CLOSED;
  return false;
}

/** A fwmark template carries the mark as its virtual address (htonl(mark) in the address union). */
export function fwmarkAddress(mark: number, af: Family): string {
  return af === 'inet' ? intToIPv4(mark >>> 0) : formatIPv6([mark >>> 16, mark & 0xffff, 0, 0, 0, 0, 0, 0]);
}

function serviceConfig(svc: Service, kernelOrder: boolean): VirtualService {
  const bits = SCHED_FLAG_BITS.filter((b) => (svc.schedFlags & schedFlagKernelValue(b)) !== 0);
  const sched = svc.scheduler as SchedulerName;
  const persistence = svc.persistent
    ? { timeout: svc.timeout, ...(svc.netmaskText !== undefined && !isDefaultMask(svc) ? { netmask: svc.netmaskText } : {}), ...(svc.pe ? { pe: svc.pe as 'sip' } : {}) }
    : undefined;
  return {
    ...svc.key,
    scheduler: sched,
    schedFlags: bits.map((b) => schedFlagName(sched, b)),
    ...(persistence ? { persistence } : {}),
    onePacket: svc.onePacket,
    realServers: (kernelOrder ? svc.dests : sortRealServers([...svc.dests])).map(destConfig),
  } as VirtualService;
}

function isDefaultMask(svc: Service): boolean {
  return svc.af === 'inet' ? svc.mask === 0xffffffff : svc.plen === 128;
}

function destConfig(d: Dest): RealServer {
  return {
    address: d.address,
    port: d.port,
    forwarding: d.forwarding,
    weight: d.weight,
    upperThreshold: d.uThreshold,
    lowerThreshold: d.lThreshold,
    ...(d.tunnelType ? { tunnelType: d.tunnelType } : {}),
    ...(d.tunnelPort !== undefined ? { tunnelPort: d.tunnelPort } : {}),
    ...(d.tunnelChecksum ? { tunnelChecksum: d.tunnelChecksum } : {}),
  } as RealServer;
}
