// The netlink engine: IPVS through its generic netlink family, with no ipvsadm process.
//  - Reads are pipelined: GET_CONFIG + the daemon dump + the service dump, then every service's
//    destination dump. The kernel runs one dump per socket at a time, so dumps are spread over a
//    small pool of sockets (socket.ts GenlPool); doit requests pipeline on one. A scoped read asks
//    only for the touched services (GET_SERVICE + GET_DEST each): a K-service pass costs 2 + 2K.
//  - Stats use sockets of their own, so a sample never queues in front of an apply.
//  - apply() keeps the Engine contract (ops before the failed one applied, none after) although
//    the kernel runs every message of a sendmsg even after one fails: failures the pure model can
//    foresee (lib/ipvs KernelTable, ipvsadm's own argument checks, ops that failed before) end a
//    batch, and such an op is sent alone; an unforeseen failure is undone — the later ops that the
//    kernel did ACK are reverted with the planner's ops from the model — before it is reported.
//    Messages are ipvsadm's (lib/ipvs/kernel-errors.ts kernelRefusalText), so a NACK reads the same either way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { canonicalJson } from '@/lib/ipvs/hash';
import { isIPv4 } from '@/lib/ipvs/addr';
import { ERRNO, kernelRefusalText, type KernelCommand } from '@/lib/ipvs/kernel-errors';
import { KernelTable, sortRealServers, sortServices } from '@/lib/ipvs/kernel-table';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { parseProcStats, streamProcConn } from '@/lib/ipvs/listing';
import { serviceFamily, serviceKeyOf, type DirectorConfig, type Family, type RealServer, type ServiceKey, type SyncDaemon, type VirtualService } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { applyOps, ipvsadmRefusal, isSysctlOp, opToCommandLine } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import { ZERO_COUNTERS, ZERO_RATES, type ConnEntry, type ConnFilter, type ServiceStats, type StatsSnapshot } from '@/lib/ipvs/stats';
import { matchConn } from '../conn-filter';
import { scopeOf, touchedServices } from '../../scoped-read';
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts, type ReadScope } from '../engine';
import { localSchedulers } from '../ipvsadm';
import { decodeAttrs, decodeFamily, getFamilyRequest, type AttrMap, type GenlRequest } from './codec/nlmsg';
import {
  decodeDaemon,
  decodeDest,
  type DecodedService,
  decodeInfo,
  decodeDestServerAt,
  decodeDestStatsAt,
  decodeService,
  decodeServiceStatsAt,
  decodeTimeouts,
  destOf,
  dumpDaemonsRequest,
  dumpDestsOfRequest,
  dumpDestsRequest,
  dumpServicesRequest,
  getConfigRequest,
  getInfoRequest,
  getServiceRequest,
  IPVS_GENL_NAME,
  opRequest,
  serviceOf,
  type DestStatsEntry,
  type ServiceStatsEntry,
} from './codec/ipvs';
import { GenlPool, NOT_SENT, type Outcome } from './socket';

/** Replies of up to this many dumps may wait in the receive buffer at once. */
const DUMP_WINDOW = 32;
/**
 * A stats sample is one destination dump per service, and a socket runs one dump at a time whose
 * end (NLMSG_DONE) comes only on our next recvmsg: each event-loop turn completes at most one dump
 * per socket. 64 sockets complete a 1,000-service sample in ~16 turns instead of ~125 with 8 (each
 * turn costs a wakeup, a setImmediate and the addon's per-send timer); memory stays bounded, as a
 * socket holds at most the pages of its one dump.
 */
const STATS_SOCKETS = 64;
/** ACKs of up to this many ops may wait in the receive buffer at once. */
const APPLY_WINDOW = 256;

export interface NetlinkEngineOptions {
  /** Where /proc/net/ip_vs_conn and ip_vs_stats are (default /proc/net). */
  procNet?: string;
  /** Sockets per pool that run dumps side by side (default 8): one dump per socket at a time. */
  dumpSockets?: number;
  /** Sockets of the stats pool (default STATS_SOCKETS). */
  statsSockets?: number;
}

type Failure = Extract<ApplyResult, { ok: false }>;

export class NetlinkEngine implements Engine {
  readonly kind = 'netlink' as const;
  private readonly procNet: string;
  private ctl: GenlPool | null = null;
  private statsSock: GenlPool | null = null;
  private family: Promise<number> | null = null;
  /** Config reads and applies take turns on the control socket; stats never wait for them. */
  private turn: Promise<unknown> = Promise.resolve();
  /** Ops the kernel refused unforeseen (canonical JSON): later sent alone, never inside a batch. */
  private readonly knownFailures = new Set<string>();
  /** ipvsadm's refusals by op shape (see refusal()). */
  private readonly refusals = new Map<string, { message: string; exitCode: number } | null>();

  private readonly dumpSockets: number;
  private readonly statsSockets: number;

  constructor(opts: NetlinkEngineOptions = {}) {
    this.procNet = opts.procNet ?? '/proc/net';
    this.dumpSockets = opts.dumpSockets ?? 8;
    this.statsSockets = opts.statsSockets ?? STATS_SOCKETS;
  }

  /** Netlink requests sent on the control socket (reads and applies): a test counts these. */
  get requests(): number {
    return this.ctl?.requests ?? 0;
  }
  /** Netlink requests sent on the stats socket. */
  get statsRequests(): number {
    return this.statsSock?.requests ?? 0;
  }

  private socket(which: 'ctl' | 'stats'): GenlPool {
    if (which === 'stats') return (this.statsSock ??= new GenlPool(this.statsSockets));
    return (this.ctl ??= new GenlPool(this.dumpSockets));
  }

  /** The IPVS family id, resolved once through nlctrl; EngineUnavailableError when IPVS is not there. */
  resolveFamily(): Promise<number> {
    this.family ??= (async () => {
      const [o] = await this.socket('ctl').exchange([getFamilyRequest(IPVS_GENL_NAME)]);
      if (o!.errno === ERRNO.ENOENT) throw new EngineUnavailableError(`the kernel has no IPVS generic netlink family (is ip_vs loaded? try: modprobe ip_vs)`);
      if (o!.errno !== 0 || !o!.messages[0]) throw new EngineUnavailableError(`resolving the IPVS generic netlink family failed: ${kernelRefusalText(null, o!.errno)}`);
      return decodeFamily(o!.messages[0]).id;
    })();
    this.family.catch(() => (this.family = null)); // try again next time (e.g. after modprobe)
    return this.family;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.turn.then(fn, fn);
    this.turn = next.catch(() => undefined);
    return next;
  }

  // ---- facts ------------------------------------------------------------------------------------

  async facts(): Promise<EngineFacts> {
    const family = await this.resolveFamily();
    const [o] = await this.socket('ctl').exchange([getInfoRequest(family)]);
    mustSucceed(o!, 'GET_INFO');
    const info = decodeInfo(o!.messages[0]!);
    return { engine: 'netlink', kernel: os.release(), ipvsVersion: info.version, ipvsadmVersion: null, connTableSize: info.connTableSize, schedulers: localSchedulers() };
  }

  // ---- reading the live configuration -------------------------------------------------------------

  readConfig(scope?: ReadScope): Promise<DirectorConfig> {
    return this.exclusive(() => this.read(scope));
  }

  private async read(scope?: ReadScope): Promise<DirectorConfig> {
    const family = await this.resolveFamily();
    const sock = this.socket('ctl');
    const head: GenlRequest[] = [getConfigRequest(family), dumpDaemonsRequest(family)];
    const heads: AttrMap[][] = [[], []];
    if (scope) {
      const keys = uniqueKeys(scope.services);
      const out = await sock.exchange([...head, ...keys.flatMap((k) => [getServiceRequest(family, k), dumpDestsRequest(family, k)])], { window: DUMP_WINDOW });
      const services: VirtualService[] = [];
      keys.forEach((_, i) => {
        const o = out[2 + 2 * i]!;
        if (o.errno === ERRNO.ESRCH) return; // not there: simply absent from the result
        mustSucceed(o, 'GET_SERVICE');
        const svc = decodeService(serviceOf(o.messages[0]!));
        const dests = out[3 + 2 * i]!;
        mustSucceed(dests, `GET_DEST dump of ${serviceKeyId(svc)}`);
        const family = serviceFamily(svc);
        services.push({ ...svc, realServers: sortRealServers(dests.messages.map((m) => decodeDest(destOf(m), family).server)) } as VirtualService);
      });
      return assemble(out[0]!, out[1]!, services);
    }
    // Full: the head and the service dump, then every destination dump; messages decoded in place.
    const svcs: { svc: DecodedService; keyAttrs: Buffer; family: Family }[] = [];
    const [config, daemons, dump] = await sock.exchange([...head, dumpServicesRequest(family)], {
      window: DUMP_WINDOW,
      sink: (i, buf, view, off, end) => {
        if (i === 2) {
          const e = decodeServiceStatsAt(buf, view, off, end);
          svcs.push({ svc: decodeService(serviceOf(decodeAttrs(buf, off, end))), keyAttrs: e.keyAttrs, family: e.family });
        } else heads[i]!.push(decodeAttrs(buf, off, end));
      },
    });
    mustSucceed(dump!, 'GET_SERVICE dump');
    const servers: RealServer[][] = svcs.map(() => []);
    const dests = await sock.exchange(
      svcs.map((s) => dumpDestsOfRequest(family, s.keyAttrs)),
      { sink: (i, _buf, view, off, end) => servers[i]!.push(decodeDestServerAt(view, off, end, svcs[i]!.family)) },
    );
    return assemble(
      { ...config!, messages: heads[0]! },
      { ...daemons!, messages: heads[1]! },
      svcs.map(({ svc }, i) => {
        mustSucceed(dests[i]!, `GET_DEST dump of ${serviceKeyId(svc)}`);
        return { ...svc, realServers: sortRealServers(servers[i]!) } as VirtualService;
      }),
    );
  }

  // ---- stats ----------------------------------------------------------------------------------------

  /**
   * One sample: the service dump (keys + stats64), then every service's destination dump, all
   * pipelined over the stats pool's lanes; each message is decoded in place as it arrives (only
   * keys, counts and stats64), straight into the snapshot's rows.
   */
  async readStats(): Promise<StatsSnapshot> {
    const family = await this.resolveFamily();
    const sock = this.socket('stats');
    const entries: ServiceStatsEntry[] = [];
    const [dump] = await sock.exchange([dumpServicesRequest(family)], { sink: (_, buf, view, off, end) => entries.push(decodeServiceStatsAt(buf, view, off, end)) });
    mustSucceed(dump!, 'GET_SERVICE dump');
    const servers: DestStatsEntry[][] = entries.map(() => []);
    const dests = await sock.exchange(
      entries.map((e) => dumpDestsOfRequest(family, e.keyAttrs)),
      { sink: (i, _buf, view, off, end) => servers[i]!.push(decodeDestStatsAt(view, off, end, entries[i]!.family)) },
    );
    const at = Date.now();
    const totals = { counters: { ...ZERO_COUNTERS }, rates: { ...ZERO_RATES } };
    const services: ServiceStats[] = entries.map((e, i) => {
      const c = e.counters;
      const r = e.rates;
      const t = totals.counters;
      const tr = totals.rates;
      t.conns += c.conns;
      t.inPkts += c.inPkts;
      t.outPkts += c.outPkts;
      t.inBytes += c.inBytes;
      t.outBytes += c.outBytes;
      tr.cps += r.cps;
      tr.inpps += r.inpps;
      tr.outpps += r.outpps;
      tr.inbps += r.inbps;
      tr.outbps += r.outbps;
      // a service deleted between the two dumps has no destinations to show (ESRCH)
      return { service: e.key, counters: c, rates: r, realServers: dests[i]!.errno === 0 ? sortRealServers(servers[i]!) : [] };
    });
    const proc = path.join(this.procNet, 'ip_vs_stats');
    try {
      const t = parseProcStats(fs.readFileSync(proc, 'utf8'));
      totals.counters = t.counters;
      totals.rates = t.rates;
    } catch {
      // no such file, or not parseable: keep the sum over services
    }
    // in the model's order (the kernel dumps in hash order); sortServices keeps the key objects
    const row = new Map(services.map((x) => [x.service, x]));
    return { at, totals, services: sortServices(services.map((x) => x.service)).map((k) => row.get(k)!) };
  }

  // ---- connections: netlink has no connection dump; the kernel's /proc file, streamed ------------------

  async *connections(filter: Partial<ConnFilter> = {}): AsyncIterable<ConnEntry> {
    const proc = path.join(this.procNet, 'ip_vs_conn');
    if (!fs.existsSync(proc)) throw new EngineUnavailableError(`${proc} does not exist: no IPVS connection table to read`);
    const lines = createInterface({ input: fs.createReadStream(proc, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const e of streamProcConn(lines)) if (matchConn(e, filter)) yield e;
  }

  // ---- apply ------------------------------------------------------------------------------------------------

  apply(ops: Op[], before?: DirectorConfig): Promise<ApplyResult> {
    if (ops.length === 0) return Promise.resolve({ ok: true, applied: 0 });
    return this.exclusive(() => this.applyNow(ops, before));
  }

  private async applyNow(ops: Op[], before?: DirectorConfig): Promise<ApplyResult> {
    if (ops.some(isSysctlOp)) throw new Error('IPVS settings are /proc writes: wrap the engine with withSysctls (agent/engines/sysctl-io.ts)');
    const family = await this.resolveFamily();
    const sock = this.socket('ctl');
    // The model of what the ops touch only: foreseeing K ops costs O(K), whatever the table's size.
    const scope = { services: touchedServices(ops) };
    let state = before ? scopeOf(before, scope) : await this.read(scope);
    let done = 0;
    while (done < ops.length) {
      const rest = ops.slice(done);
      const seen = this.foresee(state, rest);
      if (seen.stop === 0) {
        // Alone: ipvsadm's own refusal is never sent; otherwise no later op can run after it.
        const op = rest[0]!;
        const refused = this.refusal(op);
        if (refused) return failure(done, op, refused.message, refused.exitCode);
        const [o] = await sock.exchange([opRequest(family, op)]);
        if (o!.errno !== 0) {
          this.remember(op);
          return failure(done, op, kernelRefusalText(ipvsCommand(op), o!.errno), 255);
        }
        this.knownFailures.delete(canonicalJson(op));
        done++;
        state = await this.read({ services: touchedServices(ops.slice(done)) }); // the model was wrong: look again
        continue;
      }
      const chunk = seen.stop === -1 ? rest : rest.slice(0, seen.stop);
      const out = await this.sendOps(family, chunk);
      const k = out.findIndex((o) => o.errno !== 0);
      if (k < 0) {
        state = seen.table.toConfig();
        done += chunk.length;
        continue;
      }
      return { ...(await this.undoAfter(state, chunk, out, k)), applied: done + k };
    }
    return { ok: true, applied: ops.length };
  }

  /**
   * Every op pipelined, in slices of APPLY_WINDOW: a slice leaves in one sendmsg (or a few of
   * MAX_SEND_BYTES), the kernel runs its messages inside that call and queues their ACKs, and the
   * next slice goes once they are all back — a full load of 11,000 ops is ~45 sendmsg calls, not
   * one per handful of ACKs. After a refusal no later slice is sent (the rest is NOT_SENT).
   */
  private async sendOps(family: number, ops: readonly Op[]): Promise<Outcome[]> {
    const sock = this.socket('ctl');
    const out: Outcome[] = [];
    for (let i = 0; i < ops.length; i += APPLY_WINDOW) {
      const part = await sock.exchange(
        ops.slice(i, i + APPLY_WINDOW).map((op) => opRequest(family, op)),
        { window: APPLY_WINDOW, stopOnError: true },
      );
      out.push(...part);
      if (part.some((o) => o.errno !== 0)) {
        while (out.length < ops.length) out.push({ errno: NOT_SENT, messages: [] });
        break;
      }
    }
    return out;
  }

  /** The first op expected to fail on `state` (-1: none), and the model table with the ops before it. */
  private foresee(state: DirectorConfig, ops: Op[]): { stop: number; table: KernelTable } {
    const table = KernelTable.from(state);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if ((this.knownFailures.size > 0 && this.knownFailures.has(canonicalJson(op))) || this.refusal(op)) return { stop: i, table };
      try {
        table.apply(op);
      } catch {
        return { stop: i, table };
      }
    }
    return { stop: -1, table };
  }

  /**
   * chunk[k] failed unforeseen; the kernel still ran the ops after it. Revert those it ACKed (the
   * planner's ops from "after them" back to "before them", in the model), then report chunk[k].
   */
  private async undoAfter(state: DirectorConfig, chunk: Op[], out: Outcome[], k: number): Promise<Failure> {
    const failed = chunk[k]!;
    this.remember(failed);
    let message = kernelRefusalText(ipvsCommand(failed), out[k]!.errno);
    const atK = applyOps(state, chunk.slice(0, k));
    const ran = chunk.slice(k + 1).filter((_, i) => out[k + 1 + i]!.errno === 0);
    if (ran.length > 0) {
      const table = KernelTable.from(atK);
      for (const op of ran) {
        try {
          table.apply(op);
        } catch {
          // the kernel ACKed what the model refuses: nothing to revert for it in the model
        }
      }
      const undo = plan(atK, table.toConfig());
      const family = await this.resolveFamily();
      const res = await this.socket('ctl').exchange(
        undo.map((op) => opRequest(family, op)),
        { window: APPLY_WINDOW },
      );
      const bad = res.findIndex((o) => o.errno !== 0 && o.errno !== NOT_SENT);
      if (bad >= 0) message = `${message} (and undoing ${undo.length} later op(s) failed: ${kernelRefusalText(ipvsCommand(undo[bad]!), res[bad]!.errno)})`;
    }
    return failure(k, failed, message, 255);
  }

  /**
   * ipvsadm's own refusal of an op, memoized by its shape: what ipvsadm checks of an address is
   * its syntax and family and of a port whether it is 0, so ops that differ only in which address
   * or port they name share one answer. Running ipvsadm's argv parser on each of the 11,000 ops of
   * a full load was most of the time apply spent before sending anything.
   */
  private refusal(op: Op): { message: string; exitCode: number } | null {
    if (!('service' in op)) return ipvsadmRefusal(op); // director-wide ops: rare, and checked in full
    const key = JSON.stringify(op, (k, v: unknown) => (k === 'address' && typeof v === 'string' ? (isIPv4(v) ? 4 : 6) : k === 'port' && typeof v === 'number' ? (v === 0 ? 0 : 1) : v));
    let r = this.refusals.get(key);
    if (r === undefined) {
      r = ipvsadmRefusal(op);
      if (this.refusals.size >= 4096) this.refusals.clear();
      this.refusals.set(key, r);
    }
    return r;
  }

  private remember(op: Op): void {
    this.knownFailures.add(canonicalJson(op));
    if (this.knownFailures.size > 256) this.knownFailures.delete(this.knownFailures.values().next().value!);
  }

  async close(): Promise<void> {
    this.ctl?.close();
    this.statsSock?.close();
    this.ctl = this.statsSock = null;
    this.family = null;
  }
}

function failure(applied: number, op: Op, message: string, exitCode: number): Failure {
  return { ok: false, applied, failedOp: op, command: opToCommandLine(op), message, exitCode };
}

function mustSucceed(o: Outcome, what: string): void {
  if (o.errno === 0) return;
  if (o.errno === ERRNO.EPERM || o.errno === ERRNO.EACCES) {
    throw new EngineUnavailableError(`IPVS netlink ${what} was refused: lvs-agent must run as root (uid 0) or with CAP_NET_ADMIN; it runs as uid ${process.getuid?.() ?? '?'}`);
  }
  throw new Error(`IPVS netlink ${what} failed: ${kernelRefusalText(null, o.errno)} (errno ${o.errno})`);
}

/** The services an op list touches (what a scoped read before applying it needs): scoped-read's. */
export { touchedServices };

function uniqueKeys(keys: readonly ServiceKey[]): ServiceKey[] {
  const seen = new Map<string, ServiceKey>();
  for (const k of keys) seen.set(serviceKeyId(k), serviceKeyOf(k));
  return [...seen.values()];
}

/** GET_CONFIG + the daemon dump + the services read, as a canonical config. */
function assemble(config: Outcome, daemons: Outcome, services: VirtualService[]): DirectorConfig {
  mustSucceed(config, 'GET_CONFIG');
  mustSucceed(daemons, 'GET_DAEMON dump');
  const syncDaemons: SyncDaemon[] = daemons.messages.map((m: AttrMap) => decodeDaemon(m)).sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
  return { globals: { timeouts: decodeTimeouts(config.messages[0]!), syncDaemons }, services: sortServices(services) };
}

/** The kernel command of an IPVS op (set-sysctl ops never reach this engine: withSysctls applies them). */
function ipvsCommand(op: Op): KernelCommand {
  return op.op as KernelCommand;
}
