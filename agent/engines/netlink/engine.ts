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
import { ERRNO, kernelRefusalText, type KernelCommand } from '@/lib/ipvs/kernel-errors';
import { KernelTable, sortRealServers, sortServices } from '@/lib/ipvs/kernel-table';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { parseProcStats, streamProcConn } from '@/lib/ipvs/listing';
import { serviceFamily, serviceKeyOf, type DirectorConfig, type ServiceKey, type SyncDaemon, type VirtualService } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { applyOps, ipvsadmRefusal, isSysctlOp, opToCommandLine } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import { ZERO_COUNTERS, ZERO_RATES, type ConnEntry, type ConnFilter, type ServiceStats, type StatsSnapshot } from '@/lib/ipvs/stats';
import { matchConn } from '../conn-filter';
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts, type ReadScope } from '../engine';
import { localSchedulers } from '../ipvsadm';
import { decodeFamily, getFamilyRequest, type AttrMap, type GenlRequest } from './codec/nlmsg';
import {
  decodeDaemon,
  decodeDest,
  decodeInfo,
  decodeService,
  decodeTimeouts,
  destOf,
  dumpDaemonsRequest,
  dumpDestsRequest,
  dumpServicesRequest,
  getConfigRequest,
  getInfoRequest,
  getServiceRequest,
  IPVS_GENL_NAME,
  opRequest,
  serviceOf,
  serviceStats,
} from './codec/ipvs';
import { GenlPool, NOT_SENT, type Outcome } from './socket';

/** Replies of up to this many dumps may wait in the receive buffer at once. */
const DUMP_WINDOW = 32;
/** ACKs of up to this many ops may wait in the receive buffer at once. */
const APPLY_WINDOW = 256;

export interface NetlinkEngineOptions {
  /** Where /proc/net/ip_vs_conn and ip_vs_stats are (default /proc/net). */
  procNet?: string;
  /** Sockets per pool that run dumps side by side (default 8): one dump per socket at a time. */
  dumpSockets?: number;
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

  private readonly dumpSockets: number;

  constructor(opts: NetlinkEngineOptions = {}) {
    this.procNet = opts.procNet ?? '/proc/net';
    this.dumpSockets = opts.dumpSockets ?? 8;
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
    if (which === 'stats') return (this.statsSock ??= new GenlPool(this.dumpSockets));
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
    let services: { svc: ReturnType<typeof decodeService>; dests: Outcome }[];
    if (scope) {
      const keys = uniqueKeys(scope.services);
      const out = await sock.exchange([...head, ...keys.flatMap((k) => [getServiceRequest(family, k), dumpDestsRequest(family, k)])], { window: DUMP_WINDOW });
      services = [];
      keys.forEach((_, i) => {
        const svc = out[2 + 2 * i]!;
        if (svc.errno === ERRNO.ESRCH) return; // not there: simply absent from the result
        mustSucceed(svc, 'GET_SERVICE');
        services.push({ svc: decodeService(serviceOf(svc.messages[0]!)), dests: out[3 + 2 * i]! });
      });
      return assemble(out[0]!, out[1]!, services);
    }
    const [config, daemons, dump] = await sock.exchange([...head, dumpServicesRequest(family)]);
    mustSucceed(dump!, 'GET_SERVICE dump');
    const svcs = dump!.messages.map((m) => decodeService(serviceOf(m)));
    const dests = await sock.exchange(
      svcs.map((s) => dumpDestsRequest(family, s)),
      { window: DUMP_WINDOW },
    );
    return assemble(
      config!,
      daemons!,
      svcs.map((svc, i) => ({ svc, dests: dests[i]! })),
    );
  }

  // ---- stats ----------------------------------------------------------------------------------------

  async readStats(): Promise<StatsSnapshot> {
    const family = await this.resolveFamily();
    const sock = this.socket('stats');
    const [dump] = await sock.exchange([dumpServicesRequest(family)]);
    mustSucceed(dump!, 'GET_SERVICE dump');
    const svcMsgs = dump!.messages.map((m) => serviceOf(m));
    const keys = svcMsgs.map((m) => serviceKeyOf(decodeService(m)));
    const dests = await sock.exchange(
      keys.map((k) => dumpDestsRequest(family, k)),
      { window: DUMP_WINDOW },
    );
    const at = Date.now();
    const totals = { counters: { ...ZERO_COUNTERS }, rates: { ...ZERO_RATES } };
    const services: ServiceStats[] = svcMsgs.map((m, i) => {
      const key = keys[i]!;
      const st = serviceStats(m) ?? { counters: { ...ZERO_COUNTERS }, rates: { ...ZERO_RATES } };
      for (const k of Object.keys(totals.counters) as (keyof typeof totals.counters)[]) totals.counters[k] += st.counters[k];
      for (const k of Object.keys(totals.rates) as (keyof typeof totals.rates)[]) totals.rates[k] += st.rates[k];
      const d = dests[i]!;
      const realServers =
        d.errno === 0
          ? d.messages.map((dm) => {
              const x = decodeDest(destOf(dm), serviceFamily(key));
              return {
                address: x.server.address,
                port: x.server.port,
                activeConns: x.activeConns,
                inactConns: x.inactConns,
                persistConns: x.persistConns,
                counters: x.stats?.counters ?? { ...ZERO_COUNTERS },
                rates: x.stats?.rates ?? { ...ZERO_RATES },
              };
            })
          : [];
      return { service: key, counters: st.counters, rates: st.rates, realServers: sortRealServers(realServers) };
    });
    const proc = path.join(this.procNet, 'ip_vs_stats');
    if (fs.existsSync(proc)) {
      try {
        const t = parseProcStats(fs.readFileSync(proc, 'utf8'));
        totals.counters = t.counters;
        totals.rates = t.rates;
      } catch {
        // keep the sum over services
      }
    }
    const order = sortServices(keys.map((k, i) => ({ ...k, i })));
    return { at, totals, services: order.map((x) => services[x.i]!) };
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
    let state = before ?? (await this.read({ services: touchedServices(ops) }));
    let done = 0;
    while (done < ops.length) {
      const rest = ops.slice(done);
      const seen = this.foresee(state, rest);
      if (seen.stop === 0) {
        // Alone: ipvsadm's own refusal is never sent; otherwise no later op can run after it.
        const op = rest[0]!;
        const refused = ipvsadmRefusal(op);
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
      const out = await sock.exchange(
        chunk.map((op) => opRequest(family, op)),
        { window: APPLY_WINDOW, stopOnError: true },
      );
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

  /** The first op expected to fail on `state` (-1: none), and the model table with the ops before it. */
  private foresee(state: DirectorConfig, ops: Op[]): { stop: number; table: KernelTable } {
    const table = KernelTable.from(state);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (this.knownFailures.has(canonicalJson(op)) || ipvsadmRefusal(op)) return { stop: i, table };
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

/** The services an op list touches (what a scoped read before applying it needs). */
export function touchedServices(ops: readonly Op[]): ServiceKey[] {
  const keys: ServiceKey[] = [];
  for (const op of ops) if ('service' in op) keys.push(serviceKeyOf(op.service));
  return uniqueKeys(keys);
}

function uniqueKeys(keys: readonly ServiceKey[]): ServiceKey[] {
  const seen = new Map<string, ServiceKey>();
  for (const k of keys) seen.set(serviceKeyId(k), serviceKeyOf(k));
  return [...seen.values()];
}

/** GET_CONFIG + the daemon dump + services with their destination dumps, as a canonical config. */
function assemble(config: Outcome, daemons: Outcome, services: { svc: ReturnType<typeof decodeService>; dests: Outcome }[]): DirectorConfig {
  mustSucceed(config, 'GET_CONFIG');
  mustSucceed(daemons, 'GET_DAEMON dump');
  const syncDaemons: SyncDaemon[] = daemons.messages.map((m: AttrMap) => decodeDaemon(m)).sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
  const list: VirtualService[] = services.map(({ svc, dests }) => {
    mustSucceed(dests, `GET_DEST dump of ${serviceKeyId(svc)}`);
    const servers = dests.messages.map((m) => decodeDest(destOf(m), serviceFamily(svc)).server);
    return { ...svc, realServers: sortRealServers(servers) } as VirtualService;
  });
  return { globals: { timeouts: decodeTimeouts(config.messages[0]!), syncDaemons }, services: sortServices(list) };
}

/** The kernel command of an IPVS op (set-sysctl ops never reach this engine: withSysctls applies them). */
function ipvsCommand(op: Op): KernelCommand {
  return op.op as KernelCommand;
}
