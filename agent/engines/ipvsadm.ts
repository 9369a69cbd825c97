// The real engine: the kernel's IPVS through the ipvsadm binary (--ipvsadm PATH; DPVS and custom
// builds ship their own, and tests point it at a shim that runs ipvsadm in a QEMU guest).
//  - Always execFile-style argv, never a shell; always -n.
//  - Reads are batched: one `ipvsadm -R` process runs `-S -n`, `-L -n --thresholds`, `-L --timeout`
//    and `-L --daemon` (the save format drops -x/-y, timeouts and daemons), so a full read costs one
//    process instead of four; binaries whose -R refuses list commands fall back to separate calls.
//    A scoped read (the services a pass touches) is one -R of `--timeout`, `--daemon` and two
//    one-service listings per service; apply() starts from the caller's read and re-reads only
//    the services of the ops in question, so a K-op pass costs O(K) listings, not O(N).
//  - A plan is applied as ONE `ipvsadm -R` batch on stdin. -R is not transactional: it carries on
//    after a kernel error and exits with the last line's status. So when a batch reports a failure,
//    the engine reads the table back, works out from each op's effect which op failed first (its
//    message is the first one ipvsadm printed), and reverts whatever later ops did take effect, so
//    the director ends exactly in "ops before the failed one applied, the rest not" — the Engine
//    contract, and the same state the simulator leaves. Failures that can be foreseen (the op
//    conflicts with the table just read, or the same op failed the last time) are not sent in the
//    batch at all: the batch stops before them and the op runs alone to get ipvsadm's own message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DirectorConfig, ServiceKey, SyncDaemon, Timeouts } from '@/lib/ipvs/model';
import { serviceArgs } from '@/lib/ipvs/ipvsadm-args';
import { DirectorConfigSchema, SCHEDULERS } from '@/lib/ipvs/model';
import { serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { Op } from '@/lib/ipvs/op';
import type { ConnEntry, ConnFilter, StatsSnapshot } from '@/lib/ipvs/stats';
import { ZERO_COUNTERS, ZERO_RATES } from '@/lib/ipvs/stats';
import { canonicalJson } from '@/lib/ipvs/hash';
import { classifyIpvsadmError } from '@/lib/ipvs/errors';
import { parseRules } from '@/lib/ipvs/rules';
import { applyOps, opToArgv, opToCommandLine, opsToRestoreBatch } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import {
  mergeThresholds,
  parseConnList,
  parseDaemons,
  parseList,
  parsePersistentConn,
  parseProcStats,
  parseRateListing,
  parseStatsListing,
  parseThresholds,
  parseTimeouts,
  parseVersion,
  streamProcConn,
  type PersistentConnListing,
  type RateListing,
  type StatsListing,
  type ThresholdsListing,
} from '@/lib/ipvs/listing';
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts, type ReadScope } from './engine';
import { mergeScopedRead, touchedServices } from '../scoped-read';
import { execIpvsadm, type ExecResult } from './exec';
import { matchConn } from './conn-filter';
import { objectValue, opObjectKey } from '../op-object';

export interface IpvsadmEngineOptions {
  /** The ipvsadm binary; default "ipvsadm" from PATH. */
  bin?: string;
  /**
   * Where the kernel's /proc/net/ip_vs* files are (default /proc/net), used only when they exist:
   * director totals and a streaming connection table. null: never (the binary talks to another
   * kernel, e.g. the VM shim, while this host may have IPVS of its own).
   */
  procNet?: string | null;
  /** Per-process timeout. */
  timeoutMs?: number;
  /** Runs one ipvsadm process; tests replace it to count and answer calls. */
  exec?: (argv: string[], stdin: string | undefined) => Promise<ExecResult>;
}

const BANNER = /^IP Virtual Server version (\d+\.\d+\.\d+) \(size=(\d+)\)/;

/** One full read of the kernel through a single `ipvsadm -R`: what -S forgets comes from listings. */
const READ_CONFIG_BATCH = '-S -n\n-L -n --thresholds\n-L -n --timeout\n-L -n --daemon\n';
const READ_STATS_BATCH = '-L -n --stats --exact\n-L -n --rate --exact\n-L -n --persistent-conn\n';

export class IpvsadmEngine implements Engine {
  readonly kind = 'ipvsadm' as const;
  readonly bin: string;
  private readonly procNet: string | null;
  private readonly timeoutMs: number;
  /** false once a binary showed that its -R does not run list commands. */
  private batchedReads = true;
  /**
   * Two lanes, one ipvsadm at a time in each. `config` (reads of the table, applies) keeps a read
   * from interleaving with a batch; `stats` (counters, connections) runs beside it, so an apply
   * never waits behind a slow stats listing (a listing is one netlink dump per call; the kernel
   * takes its own lock per request, so a listing next to a batch sees each op whole or not at all).
   */
  private readonly lanes = { config: Promise.resolve() as Promise<unknown>, stats: Promise.resolve() as Promise<unknown> };
  /** Injected runner (tests); default: spawn the binary. */
  private readonly exec: (argv: string[], stdin: string | undefined) => Promise<ExecResult>;
  /** Ops that failed in the kernel last time (canonical JSON -> message): kept out of the next batch. */
  private readonly knownFailures = new Map<string, string>();
  /** The IPVS version from the last listing banner, and the connection table size. */
  private banner: { version: string; size: number } | null = null;

  constructor(opts: IpvsadmEngineOptions = {}) {
    this.bin = opts.bin ?? 'ipvsadm';
    this.procNet = opts.procNet === undefined ? '/proc/net' : opts.procNet;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.exec = opts.exec ?? ((argv, stdin) => execIpvsadm(this.bin, argv, { stdin, timeoutMs: this.timeoutMs }));
  }

  private run(argv: string[], stdin?: string, lane: keyof IpvsadmEngine['lanes'] = 'config'): Promise<ExecResult> {
    const go = () => this.exec(argv, stdin);
    const next = this.lanes[lane].then(go, go);
    this.lanes[lane] = next.catch(() => undefined);
    return next;
  }

  /** A read that must succeed: a failure becomes a clear error (permission and missing IPVS named). */
  private async mustRun(argv: string[], stdin?: string, lane: keyof IpvsadmEngine['lanes'] = 'config'): Promise<string> {
    const r = await this.run(argv, stdin, lane);
    if (r.code === 0 && r.stderr.trim() === '') return r.stdout;
    return this.readFailure(argv, r);
  }

  private readFailure(argv: string[], r: ExecResult): never {
    const err = classifyIpvsadmError(r.stderr, r.code, { command: `ipvsadm ${argv.join(' ')}` });
    if (err.kind === 'permission') {
      const uid = process.getuid?.();
      throw new EngineUnavailableError(`ipvsadm needs root (or CAP_NET_ADMIN) to talk to IPVS${uid !== undefined ? `; running as uid ${uid}` : ''}: ${err.message}`);
    }
    if (err.kind === 'unsupported') {
      throw new EngineUnavailableError(`IPVS is not available in this kernel (try: modprobe ip_vs): ${err.messages.join(' / ')}`);
    }
    throw err;
  }

  // ---- facts -------------------------------------------------------------------------------

  async facts(): Promise<EngineFacts> {
    const v = await this.run(['--version']);
    if (v.code !== 0) throw new EngineUnavailableError(`${this.bin} --version failed (exit ${v.code}): ${v.stderr.trim() || v.stdout.trim()}`);
    const version = parseVersion(v.stdout);
    if (this.procNet !== null && process.getuid && process.getuid() !== 0) {
      // Not fatal by itself (CAP_NET_ADMIN is enough), but say so if IPVS then refuses.
      try {
        await this.readConfig();
      } catch (e) {
        if (e instanceof EngineUnavailableError) throw new EngineUnavailableError(`lvs-agent must run as root (uid 0) or with CAP_NET_ADMIN; it runs as uid ${process.getuid()}. ${e.message}`);
        throw e;
      }
    } else {
      await this.readConfig(); // proves IPVS answers and that its listings parse
    }
    const banner = this.banner;
    if (!banner) throw new EngineUnavailableError(`${this.bin} printed no "IP Virtual Server version" banner; is it ipvsadm?`);
    return {
      engine: 'ipvsadm',
      kernel: os.release(),
      ipvsVersion: banner.version,
      ipvsadmVersion: version.ipvsadm,
      connTableSize: banner.size,
      schedulers: this.procNet !== null ? localSchedulers() : [...SCHEDULERS],
    };
  }

  // ---- reading the live configuration ---------------------------------------------------------

  async readConfig(scope?: ReadScope): Promise<DirectorConfig> {
    if (scope) return this.readScoped(scope.services);
    let parts: { save: string; thresholds: string; timeout: string; daemon: string } | null = null;
    if (this.batchedReads) {
      const out = await this.mustRun(['-R'], READ_CONFIG_BATCH);
      parts = splitConfigRead(out);
      if (!parts) this.batchedReads = false; // this ipvsadm's -R does not list; use one call each
    }
    if (!parts) {
      const save = await this.mustRun(['-S', '-n']);
      const thresholds = await this.mustRun(['-L', '-n', '--thresholds']);
      const timeout = await this.mustRun(['-L', '-n', '--timeout']);
      const daemon = await this.mustRun(['-L', '-n', '--daemon']);
      parts = { save, thresholds, timeout, daemon };
    }
    const thresholds = parseThresholds(parts.thresholds);
    if (thresholds.version !== null && thresholds.connTableSize !== null) this.banner = { version: thresholds.version, size: thresholds.connTableSize };
    return assembleConfig(parseRules(parts.save), thresholds, parseTimeouts(parts.timeout), parseDaemons(parts.daemon));
  }

  /**
   * The director-wide settings and the given services, in one `ipvsadm -R` of list commands:
   * `-L --timeout`, `-L --daemon`, then per service `-L -n --tun-info <service>` (settings, real
   * servers, forwarding and tunnel details, weights) and `-L -n --thresholds <service>` (-x/-y).
   * ipvsadm stops a batch at a service that does not exist ("No such service", exit 1), so the
   * listings printed tell which one is absent and the rest run in another batch: at most one
   * process per absent service, plus one.
   */
  private async readScoped(services: readonly ServiceKey[]): Promise<DirectorConfig> {
    const globals = await this.scopedBatch(['-L -n --timeout', '-L -n --daemon'], services);
    const timeouts = parseTimeouts(`${globals.head.split('\n')[0]}\n`);
    const daemons = parseDaemons(globals.head.split('\n').slice(1).join('\n'));
    const found: DirectorConfig['services'] = [...globals.services];
    let rest = services.slice(globals.listed + (globals.absent ? 1 : 0));
    while (rest.length > 0) {
      const r = await this.scopedBatch([], rest);
      found.push(...r.services);
      rest = rest.slice(r.listed + (r.absent ? 1 : 0));
    }
    return DirectorConfigSchema.parse({ globals: { timeouts, syncDaemons: daemons }, services: found });
  }

  /** One -R of `head` lines then two listings per service, up to the first absent service. */
  private async scopedBatch(head: string[], services: readonly ServiceKey[]): Promise<{ head: string; services: DirectorConfig['services']; listed: number; absent: boolean }> {
    const lines = [...head];
    for (const s of services) {
      const svc = serviceArgs(s).join(' ');
      lines.push(`-L -n --tun-info ${svc}`, `-L -n --thresholds ${svc}`);
    }
    let out: string;
    let absent = false;
    if (this.batchedReads) {
      const r = await this.run(['-R'], `${lines.join('\n')}\n`);
      absent = r.code === 1 && r.stderr.trim() === 'No such service';
      if (r.code !== 0 && !absent) this.readFailure(['-R'], r);
      out = r.stdout;
    } else {
      out = '';
      for (const l of lines) {
        const r = await this.run(l.split(' '));
        if (r.code === 1 && r.stderr.trim() === 'No such service') {
          absent = true;
          break;
        }
        if (r.code !== 0 || r.stderr.trim() !== '') this.readFailure(l.split(' '), r);
        out += r.stdout;
      }
    }
    const { head: headText, sections } = splitServiceListings(out);
    const listed = Math.floor(sections.length / 2);
    const found: DirectorConfig['services'] = [];
    for (let i = 0; i < listed; i++) {
      const list = parseList(sections[2 * i]!);
      const th = parseThresholds(sections[2 * i + 1]!);
      found.push(...mergeThresholds(list.config, th).services);
    }
    // odd: a service was listed, then gone before its thresholds; it counts as absent
    if (sections.length % 2 === 1 && !absent) throw new Error('ipvsadm printed a service listing without its thresholds');
    return { head: headText, services: found, listed, absent };
  }

  // ---- stats -------------------------------------------------------------------------------

  async readStats(): Promise<StatsSnapshot> {
    let listings: [string, string, string] | null = null;
    if (this.batchedReads) {
      const out = await this.mustRun(['-R'], READ_STATS_BATCH, 'stats');
      const parts = splitAtBanners(out);
      if (parts.length === 3) listings = [parts[0]!, parts[1]!, parts[2]!];
      else this.batchedReads = false;
    }
    if (!listings) {
      listings = [
        await this.mustRun(['-L', '-n', '--stats', '--exact'], undefined, 'stats'),
        await this.mustRun(['-L', '-n', '--rate', '--exact'], undefined, 'stats'),
        await this.mustRun(['-L', '-n', '--persistent-conn'], undefined, 'stats'),
      ];
    }
    const at = Date.now();
    const snapshot = assembleStats(at, parseStatsListing(listings[0]), parseRateListing(listings[1]), parsePersistentConn(listings[2]));
    const proc = this.procFile('ip_vs_stats');
    if (proc) {
      try {
        const t = parseProcStats(fs.readFileSync(proc, 'utf8'));
        snapshot.totals = { counters: t.counters, rates: t.rates };
      } catch {
        // keep the sum over services
      }
    }
    return snapshot;
  }

  private procFile(name: string): string | null {
    if (this.procNet === null) return null;
    const p = path.join(this.procNet, name);
    return fs.existsSync(p) ? p : null;
  }

  // ---- connections ---------------------------------------------------------------------------

  async *connections(filter: Partial<ConnFilter> = {}): AsyncIterable<ConnEntry> {
    const proc = this.procFile('ip_vs_conn');
    if (proc) {
      // Constant memory: a million-entry table streams line by line.
      const stream = fs.createReadStream(proc, { encoding: 'utf8' });
      const lines = (await import('node:readline')).createInterface({ input: stream, crlfDelay: Infinity });
      for await (const e of streamProcConn(lines)) if (matchConn(e, filter)) yield e;
      return;
    }
    const out = await this.mustRun(['-L', '-n', '-c'], undefined, 'stats');
    for (const e of parseConnList(out)) if (matchConn(e, filter)) yield e;
  }

  // ---- apply -----------------------------------------------------------------------------------

  async apply(ops: Op[], before?: DirectorConfig): Promise<ApplyResult> {
    if (ops.length === 0) return { ok: true, applied: 0 };
    let state = before ?? (await this.readConfig());
    let done = 0;
    while (done < ops.length) {
      const rest = ops.slice(done);
      const stop = this.foreseeFailure(state, rest);
      if (stop === 0) {
        // Run the op alone: no later op can have run, and ipvsadm gives its own message.
        const op = rest[0]!;
        const r = await this.run(opToArgv(op));
        if (r.code !== 0 || r.stderr.trim() !== '') {
          const err = classifyIpvsadmError(r.stderr, r.code);
          this.rememberFailure(op, err.message);
          return { ok: false, applied: done, failedOp: op, command: opToCommandLine(op), message: err.message, exitCode: r.code };
        }
        this.knownFailures.delete(canonicalJson(op));
        done++;
        state = await this.reread(state, ops.slice(done - 1)); // our picture was wrong; look again
        continue;
      }
      const chunk = stop === -1 ? rest : rest.slice(0, stop);
      const r = await this.run(['-R'], opsToRestoreBatch(chunk));
      if (r.code === 0 && r.stderr.trim() === '') {
        for (const op of chunk) this.knownFailures.delete(canonicalJson(op));
        state = applyOps(state, chunk);
        done += chunk.length;
        continue;
      }
      const failure = await this.explainBatchFailure(state, chunk, r);
      if (failure === null) {
        // Every op's effect is there (ipvsadm printed a warning, or an op was a no-op): carry on.
        state = await this.reread(state, rest);
        done += chunk.length;
        continue;
      }
      return { ...failure, applied: done + failure.applied };
    }
    return { ok: true, applied: ops.length };
  }

  /** `state` with the services these ops touch read again (the rest of the table is not re-listed). */
  private async reread(state: DirectorConfig, ops: Op[]): Promise<DirectorConfig> {
    const scope = { services: touchedServices(ops) };
    return mergeScopedRead(state, await this.readConfig(scope), scope);
  }

  /** Index (in ops) of the first op expected to fail on `state`, or -1. */
  private foreseeFailure(state: DirectorConfig, ops: Op[]): number {
    let s = state;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (this.knownFailures.has(canonicalJson(op))) return i;
      try {
        s = applyOps(s, [op]);
      } catch {
        return i;
      }
    }
    return -1;
  }

  private rememberFailure(op: Op, message: string): void {
    this.knownFailures.set(canonicalJson(op), message);
    if (this.knownFailures.size > 256) this.knownFailures.delete(this.knownFailures.keys().next().value!);
  }

  /**
   * A batch failed somewhere. Read the table, find the first op whose effect is missing, revert
   * the later ops that took effect, and report the failed op with the first message ipvsadm
   * printed (one line per failed -R line, in order).
   */
  private async explainBatchFailure(before: DirectorConfig, chunk: Op[], r: ExecResult): Promise<Extract<ApplyResult, { ok: false }> | null> {
    const after = await this.reread(before, chunk);
    const err = classifyIpvsadmError(r.stderr, r.code);
    const k = firstMissingEffect(before, chunk, after);
    if (k === null) return null;
    const failedOp = chunk[k.index]!;
    this.rememberFailure(failedOp, err.message);
    // Put the table back to "ops before k applied, nothing after": undo what later lines did.
    const undo = plan(k.stateBefore, after);
    let message = err.message;
    if (undo.length > 0) {
      const u = await this.run(['-R'], opsToRestoreBatch(undo));
      if (u.code !== 0 || u.stderr.trim() !== '') {
        message = `${err.message} (and undoing ${undo.length} later op(s) failed: ${classifyIpvsadmError(u.stderr, u.code).message})`;
      }
    }
    // -R exits with the status of its last line; the failed op's own status: 2 when ipvsadm itself
    // refused it (that stops -R, so it is then the only message), else 255 (a kernel error).
    const exitCode = r.code === 2 && err.messages.length === 1 ? 2 : 255;
    return { ok: false, applied: k.index, failedOp, command: opToCommandLine(failedOp), message, exitCode };
  }
}

/**
 * The first op of `ops` (run as a batch starting from `before`) whose effect is missing in `after`.
 * An op took effect when the object it changes has, in `after`, the value the op gives it. When an
 * object is changed by several ops, only the last of them can be judged; the earlier ones are
 * taken to have worked if the last one did. Returns null when every effect is present.
 */
export function firstMissingEffect(before: DirectorConfig, ops: Op[], after: DirectorConfig): { index: number; stateBefore: DirectorConfig } | null {
  const lastTouch = new Map<string, number>();
  ops.forEach((op, i) => lastTouch.set(opObjectKey(op), i));
  let model = before;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const key = opObjectKey(op);
    let next: DirectorConfig;
    try {
      next = applyOps(model, [op]);
    } catch {
      return { index: i, stateBefore: model };
    }
    if (lastTouch.get(key) === i && objectValue(after, key) !== objectValue(next, key)) return { index: i, stateBefore: model };
    model = next;
  }
  return null;
}

/** Split the output of READ_CONFIG_BATCH; null when the binary's -R did not produce every part. */
export function splitConfigRead(out: string): { save: string; thresholds: string; timeout: string; daemon: string } | null {
  const lines = out.split('\n');
  const b = lines.findIndex((l) => BANNER.test(l));
  const t = lines.findIndex((l) => l.startsWith('Timeout (tcp tcpfin udp):'));
  if (b < 0 || t < b) return null;
  const save = lines.slice(0, b);
  if (save.some((l) => l.trim() !== '' && !/^-[Aa] /.test(l))) return null;
  return {
    save: save.join('\n'),
    thresholds: `${lines.slice(b, t).join('\n')}\n`,
    timeout: `${lines[t]}\n`,
    daemon: lines.slice(t + 1).join('\n'),
  };
}

/** Lines before the first one-service listing (timeouts, daemons), then each listing ("Prot ..." title first). */
export function splitServiceListings(out: string): { head: string; sections: string[] } {
  const head: string[] = [];
  const sections: string[][] = [];
  for (const l of out.split('\n')) {
    if (l.startsWith('Prot LocalAddress:Port')) sections.push([l]);
    else if (sections.length) sections[sections.length - 1]!.push(l);
    else head.push(l);
  }
  return { head: `${head.join('\n')}${head.length ? '\n' : ''}`, sections: sections.map((x) => `${x.join('\n').replace(/\n+$/, '')}\n`) };
}

/** Split concatenated listings at their "IP Virtual Server version" banners. */
export function splitAtBanners(out: string): string[] {
  const parts: string[] = [];
  let cur: string[] | null = null;
  for (const l of out.split('\n')) {
    if (BANNER.test(l)) {
      if (cur) parts.push(`${cur.join('\n')}\n`);
      cur = [l];
    } else if (cur) cur.push(l);
  }
  if (cur) parts.push(`${cur.join('\n').replace(/\n+$/, '')}\n`);
  return parts;
}

/** -S plus what -S does not save: thresholds (from --thresholds), timeouts, sync daemons. */
export function assembleConfig(saved: DirectorConfig, thresholds: ThresholdsListing, timeouts: Timeouts, daemons: SyncDaemon[]): DirectorConfig {
  const merged = mergeThresholds(saved, thresholds);
  return DirectorConfigSchema.parse({ globals: { timeouts, syncDaemons: daemons }, services: merged.services });
}

/** --stats --exact, --rate --exact and --persistent-conn of the same table, as one snapshot. */
export function assembleStats(at: number, stats: StatsListing, rates: RateListing, persist: PersistentConnListing): StatsSnapshot {
  const rateIdx = new Map<string, (typeof rates.services)[number]['rates']>();
  for (const s of rates.services) {
    const sk = serviceKeyId(s.service);
    rateIdx.set(sk, s.rates);
    for (const r of s.realServers) rateIdx.set(serverKeyId(sk, r), r.rates);
  }
  const connIdx = new Map<string, { active: number; inact: number; persist: number }>();
  for (const s of persist.services) {
    const sk = serviceKeyId(s.service);
    for (const r of s.realServers) connIdx.set(serverKeyId(sk, r), { active: r.activeConns, inact: r.inactConns, persist: r.persistConns });
  }
  const totals = { counters: { ...ZERO_COUNTERS }, rates: { ...ZERO_RATES } };
  const services = stats.services.map((s) => {
    const sk = serviceKeyId(s.service);
    const svcRates = rateIdx.get(sk) ?? ZERO_RATES;
    for (const k of Object.keys(totals.counters) as (keyof typeof totals.counters)[]) totals.counters[k] += s.counters[k];
    for (const k of Object.keys(totals.rates) as (keyof typeof totals.rates)[]) totals.rates[k] += svcRates[k];
    return {
      service: s.service,
      counters: s.counters,
      rates: { ...svcRates },
      realServers: s.realServers.map((r) => {
        const rk = serverKeyId(sk, r);
        const c = connIdx.get(rk);
        return {
          address: r.address,
          port: r.port,
          activeConns: c?.active ?? 0,
          inactConns: c?.inact ?? 0,
          persistConns: c?.persist ?? 0,
          counters: r.counters,
          rates: { ...(rateIdx.get(rk) ?? ZERO_RATES) },
        };
      }),
    };
  });
  return { at, totals, services };
}

/** Schedulers this kernel has: built in or as ip_vs_<name>.ko modules. */
export function localSchedulers(): string[] {
  const dir = path.join('/lib/modules', os.release());
  const found = new Set<string>();
  try {
    const builtin = fs.readFileSync(path.join(dir, 'modules.builtin'), 'utf8');
    for (const m of builtin.matchAll(/ip_vs_(\w+)\.ko/g)) found.add(m[1]!);
  } catch {
    // no modules.builtin
  }
  try {
    const ipvsDir = path.join(dir, 'kernel/net/netfilter/ipvs');
    for (const f of fs.readdirSync(ipvsDir)) {
      const m = /^ip_vs_(\w+)\.ko/.exec(f);
      if (m) found.add(m[1]!);
    }
  } catch {
    // not a modular kernel layout
  }
  const known = SCHEDULERS.filter((s) => found.has(s));
  return known.length ? known : [...SCHEDULERS];
}
