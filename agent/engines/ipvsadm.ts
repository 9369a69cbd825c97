// The real engine: the kernel's IPVS through the ipvsadm binary (--ipvsadm PATH; DPVS and custom
// builds ship their own, and tests point it at a shim that runs ipvsadm in a QEMU guest).
//  - Always execFile-style argv, never a shell; always -n.
//  - Reads are batched: one `ipvsadm -R` process runs `-S -n`, `-L -n --thresholds`, `-L --timeout`
//    and `-L --daemon` (the save format drops -x/-y, timeouts and daemons), so a full read costs one
//    process instead of four; binaries whose -R refuses list commands fall back to separate calls.
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
import type { DirectorConfig, SyncDaemon, Timeouts } from '@/lib/ipvs/model';
import { DirectorConfigSchema, SCHEDULERS } from '@/lib/ipvs/model';
import { realServerKeyId, serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';
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
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts } from './engine';
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
  /** One ipvsadm at a time: reads never interleave with a batch, and a slow VM shim is not flooded. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Ops that failed in the kernel last time (canonical JSON -> message): kept out of the next batch. */
  private readonly knownFailures = new Map<string, string>();
  /** The IPVS version from the last listing banner, and the connection table size. */
  private banner: { version: string; size: number } | null = null;

  constructor(opts: IpvsadmEngineOptions = {}) {
    this.bin = opts.bin ?? 'ipvsadm';
    this.procNet = opts.procNet === undefined ? '/proc/net' : opts.procNet;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  private run(argv: string[], stdin?: string): Promise<ExecResult> {
    const next = this.queue.then(
      () => execIpvsadm(this.bin, argv, { stdin, timeoutMs: this.timeoutMs }),
      () => execIpvsadm(this.bin, argv, { stdin, timeoutMs: this.timeoutMs }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A read that must succeed: a failure becomes a clear error (permission and missing IPVS named). */
  private async mustRun(argv: string[], stdin?: string): Promise<string> {
    const r = await this.run(argv, stdin);
    if (r.code === 0 && r.stderr.trim() === '') return r.stdout;
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

  async readConfig(): Promise<DirectorConfig> {
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

  // ---- stats -------------------------------------------------------------------------------

  async readStats(): Promise<StatsSnapshot> {
    let listings: [string, string, string] | null = null;
    if (this.batchedReads) {
      const out = await this.mustRun(['-R'], READ_STATS_BATCH);
      const parts = splitAtBanners(out);
      if (parts.length === 3) listings = [parts[0]!, parts[1]!, parts[2]!];
      else this.batchedReads = false;
    }
    if (!listings) {
      listings = [
        await this.mustRun(['-L', '-n', '--stats', '--exact']),
        await this.mustRun(['-L', '-n', '--rate', '--exact']),
        await this.mustRun(['-L', '-n', '--persistent-conn']),
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
    const out = await this.mustRun(['-L', '-n', '-c']);
    for (const e of parseConnList(out)) if (matchConn(e, filter)) yield e;
  }

  // ---- apply -----------------------------------------------------------------------------------

  async apply(ops: Op[]): Promise<ApplyResult> {
    if (ops.length === 0) return { ok: true, applied: 0 };
    let state = await this.readConfig();
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
        state = await this.readConfig(); // our picture was wrong; look again
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
        state = await this.readConfig();
        done += chunk.length;
        continue;
      }
      return { ...failure, applied: done + failure.applied };
    }
    return { ok: true, applied: ops.length };
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
    const after = await this.readConfig();
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
export function assembleStats(
  at: number,
  stats: StatsListing,
  rates: RateListing,
  persist: PersistentConnListing,
): StatsSnapshot {
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
