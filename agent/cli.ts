// lvs-agent: the director agent's command line (bin: agent/bin/lvs-agent.mjs).
//   run        the daemon (reconcile, health checks, stats, /metrics, control-plane link)
//   snapshot   the live table as rules or JSON
//   plan       what `apply` would change, as ipvsadm command lines
//   apply      apply a local desired config (GitOps, or when the control plane is down)
//   stats      one stats sample, as ipvsadm -Ln --stats --exact / --rate --exact prints it, or JSON
//   sim-kernel a simulated director kernel in its own process (for `run --engine sim --sim-kernel`)
// plus the offline tools from cli/offline.ts. Every command takes --help.
import fs from 'node:fs';
import readline from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { pathToFileURL } from 'node:url';
import type { DirectorConfig } from '../lib/ipvs/model';
import type { Op } from '../lib/ipvs/op';
import { ValidationError } from '../lib/ipvs/errors';
import { opToArgv, opToCommandLine, summarizeOps } from '../lib/ipvs/ops';
import { plan } from '../lib/ipvs/plan';
import { directorTarget } from '@/lib/ipvs/target';
import { printRules } from '../lib/ipvs/rules';
import { EngineUnavailableError, type Engine } from './engines/engine';
import { readServices, scopeOf, touchedServices, withinScope } from './scoped-read';
import { formatRateListing, formatStatsListing } from '../lib/ipvs/listing';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import { sampleRepeatedly } from './stats/sampler';
import { createEngine, createLocalSim, type EngineChoice } from './engines/create';
import { serveSimKernel } from './engines/remote-sim';
import { startDaemon, type PassLogEntry } from './daemon';
import { haSources, type HaFlags } from './ha/sources';
import { recordNotify } from './ha/vrrp-notify';
import { createLogger } from './log';
import { AGENT_VERSION } from './version';
import { CliInputError, loadConfig, planAction, processIo, registerOfflineCommands } from './cli/offline';

const int = (what: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${what} must be a whole number ${min}–${max}`);
  return n;
};

const ENGINE_KINDS: readonly EngineChoice['engine'][] = ['auto', 'netlink', 'ipvsadm', 'sim'];
const engineOption = () =>
  new Option('--engine <kind>', "auto (netlink when the kernel's IPVS family resolves, else ipvsadm), netlink, ipvsadm (through the binary: DPVS, custom builds) or sim (the simulated director)")
    .choices(ENGINE_KINDS)
    .default('auto');
const ipvsadmOption = () => new Option('--ipvsadm <path>', 'the ipvsadm binary to run (DPVS and custom builds ship their own)').default('ipvsadm');
const procNetOption = () =>
  new Option('--proc-net <dir>', 'where /proc/net/ip_vs* are read from when present (director totals, a streamed connection table); "none" when --ipvsadm talks to another kernel').default(
    '/proc/net',
  );
const sysctlRootOption = () =>
  new Option('--sysctl-root <dir>', 'where the kernel\'s IPVS settings (net.ipv4.vs.*) are read and written (default /proc/sys/net/ipv4/vs, or none with --proc-net none); "none" to leave them alone');
const simKernelOption = () => new Option('--sim-kernel <socket>', 'with --engine sim: use the simulated kernel served by `lvs-agent sim-kernel` at this socket');

interface EngineFlags {
  engine: EngineChoice['engine'];
  ipvsadm: string;
  procNet?: string;
  sysctlRoot?: string;
  simKernel?: string;
  simTraffic?: 'demo' | 'none';
}

function choice(f: EngineFlags): EngineChoice {
  const { engine, ipvsadm, simKernel, simTraffic } = f;
  return {
    engine,
    ipvsadm,
    simKernel,
    simTraffic,
    procNet: f.procNet === 'none' ? null : f.procNet,
    sysctlRoot: f.sysctlRoot === 'none' ? null : f.sysctlRoot,
    log: (l) => process.stderr.write(`engine ${l}\n`),
  };
}

/** Rules text of a live table that loses nothing: ipvsadm -Sn, then -e lines for thresholds (which -S drops), then globals. */
export function rulesWithThresholds(config: DirectorConfig): string {
  let out = printRules({ ...config, globals: { timeouts: null, syncDaemons: [] } });
  for (const svc of config.services) {
    for (const rs of svc.realServers) {
      if (!rs.upperThreshold && !rs.lowerThreshold) continue;
      const op: Op = { op: 'edit-server', service: svc, server: { ...rs, port: rs.port ?? 0 } };
      out += `${opToArgv(op).join(' ')}\n`;
    }
  }
  const globals = printRules({ services: [], globals: config.globals }, { globals: true });
  return out + globals;
}

/** Where `run` takes its desired config from: the control plane (--server, --token-file) or a file (--desired). */
function runSource(opts: { server?: string; tokenFile?: string; desired?: string }): { server: string; token: string } | { desiredFile: string; passLog: (e: PassLogEntry) => void } {
  if (opts.desired) {
    if (opts.server || opts.tokenFile) throw new CliInputError('--desired (standalone) and --server/--token-file (control plane) exclude each other');
    // the file is the state: nothing is kept in --state-dir (startDaemon keeps no store)
    return { desiredFile: opts.desired, passLog: (e) => void process.stdout.write(`${JSON.stringify(e)}\n`) };
  }
  if (!opts.server || !opts.tokenFile) throw new CliInputError('give --server and --token-file (a control plane), or --desired FILE (standalone)');
  let token: string;
  try {
    token = fs.readFileSync(opts.tokenFile, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read --token-file ${opts.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!token) throw new Error(`--token-file ${opts.tokenFile} is empty`);
  try {
    new URL(opts.server);
  } catch {
    throw new Error(`--server ${opts.server} is not a URL (e.g. https://lvs-console.example.com)`);
  }
  return { server: opts.server, token };
}

async function withEngine<T>(f: EngineFlags, fn: (e: Engine) => Promise<T>): Promise<T> {
  const created = await createEngine(choice(f));
  try {
    return await fn(created.engine);
  } finally {
    await created.close();
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = await rl.question(question);
    return /^y(es)?$/i.test(a.trim());
  } finally {
    rl.close();
  }
}

/**
 * What a one-shot plan/apply targets: the file, with drains resolved against the live connection
 * counts, planned against the live table. With `base` (what the director is believed to run) the
 * pass is targeted, as the daemon's for a new revision: plan against the base, read only the
 * services that differ, plan again on what was found.
 */
async function oneShotPlan(engine: Engine, desired: DirectorConfig, base?: DirectorConfig) {
  const timings = { readMs: 0, planMs: 0 };
  const timed = async <T>(what: keyof typeof timings, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[what] += performance.now() - t0;
    }
  };
  const draining = desired.services.some((s) => s.realServers.some((r) => r.drain));
  const stats = draining ? await timed('readMs', () => engine.readStats()) : null;
  const now = new Date();
  const { config, drains } = await timed('planMs', () => directorTarget(desired, { unhealthy: new Set(), drains: { live: stats, now, revisionCreatedAt: now } }));
  let actual: DirectorConfig;
  if (base) {
    const guess = await timed('planMs', () => plan(config, base));
    const scope = { services: touchedServices(guess) };
    actual = guess.length ? await timed('readMs', () => readServices(engine, base, scope.services)) : base;
    let ops = await timed('planMs', () => plan(config, actual));
    if (!withinScope(ops, scope)) {
      // the kernel differed from the base beyond the services read: read everything
      actual = await timed('readMs', () => engine.readConfig());
      ops = await timed('planMs', () => plan(config, actual));
    }
    return { actual, target: config, drains, ops, timings };
  }
  actual = await timed('readMs', () => engine.readConfig());
  const ops = await timed('planMs', () => plan(config, actual));
  return { actual, target: config, drains, ops, timings };
}

const ms = (x: number) => Math.round(x * 100) / 100;

export function buildProgram(): Command {
  const program = new Command('lvs-agent')
    .description("LVS Console director agent: reconciles the kernel's IPVS table with the control plane through ipvsadm")
    .version(AGENT_VERSION)
    .showHelpAfterError()
    .exitOverride(); // usage errors surface as CommanderError; main() maps them to exit 2

  program
    .command('run')
    .description(
      'run the agent daemon: reconcile, health checks, stats, /metrics, and the link to the control plane (--server, --token-file); or standalone (GitOps) from a file (--desired, re-read on SIGHUP)',
    )
    .option('--server <url>', 'control plane base URL, e.g. https://lvs-console.example.com')
    .option('--token-file <file>', "file holding this director's bearer token")
    .option(
      '--desired <file>',
      'standalone, no control plane: the desired config (JSON, rules text or keepalived.conf), re-read on SIGHUP; a bad file is logged and the running config kept. Each pass prints one JSON line on stdout: { reason, outcome, revision, ops, timings }',
    )
    .addOption(engineOption())
    .addOption(ipvsadmOption())
    .addOption(procNetOption())
    .addOption(sysctlRootOption())
    .addOption(new Option('--sim-traffic <profile>', 'with --engine sim: simulated client traffic').choices(['demo', 'none']).default('none'))
    .addOption(simKernelOption())
    .option('--metrics-port <port>', 'serve Prometheus /metrics on this port', int('--metrics-port', 1, 65535))
    .option('--metrics-host <host>', 'address for /metrics', '0.0.0.0')
    .option('--state-dir <dir>', 'where the last applied revision is kept across restarts', '/var/lib/lvs-agent')
    .option('--interval <seconds>', 'periodic reconcile interval', int('--interval', 1, 3600), 10)
    .option('--stats-interval <seconds>', 'stats sampling interval', int('--stats-interval', 1, 3600), 1)
    .option('--offline-grace <seconds>', 'how long to wait for the control plane before reconciling from the saved revision', int('--offline-grace', 0, 3600), 15)
    .option('--quiet', 'log warnings and errors only')
    .option('--checks-dir <dir>', 'MISC_CHECK scripts: the agent runs only executable files of this directory, named by the config', '/etc/lvs-agent/checks')
    .option('--vrrp-state <dir>', "keepalived's VRRP states, as `lvs-agent vrrp-notify` (keepalived's notify script) writes them")
    .option('--ip <path>', 'the iproute2 binary that lists the interface addresses (ip -j addr show)', 'ip')
    .option('--sim-vrrp <dir>', 'with --engine sim: join the simulated VRRP segment in this directory (the demo)')
    .option('--sim-vrrp-id <id>', 'with --sim-vrrp: this director on the segment')
    .option('--sim-vrrp-priority <n>', 'with --sim-vrrp: VRRP priority (highest is master)', int('--sim-vrrp-priority', 1, 255), 100)
    .action(
      async (
        opts: EngineFlags &
          Omit<HaFlags, 'ipBin'> & {
            ip: string;
            server?: string;
            tokenFile?: string;
            desired?: string;
            metricsPort?: number;
            metricsHost: string;
            stateDir: string;
            interval: number;
            statsInterval: number;
            offlineGrace: number;
            quiet?: boolean;
            checksDir: string;
          },
      ) => {
        const log = createLogger({ quiet: opts.quiet });
        const source = runSource(opts);
        const created = await createEngine(choice(opts));
        const ha = haSources(created.engine, { ...opts, ipBin: opts.ip }, (m) => log.warn(m));
        const daemon = await startDaemon({
          ...source,
          ha,
          engine: created.engine,
          probeBackend: created.probeBackend,
          checksDir: opts.checksDir,
          stateDir: opts.stateDir,
          metricsPort: opts.metricsPort,
          metricsHost: opts.metricsHost,
          reconcileIntervalMs: opts.interval * 1000,
          statsIntervalMs: opts.statsInterval * 1000,
          offlineGraceMs: opts.offlineGrace * 1000,
          log,
        });
        ha.bind(daemon.reconciler);
        // as keepalived: SIGHUP re-reads the desired file (standalone); with a control plane it asks for a full pass
        process.on('SIGHUP', () => {
          if ('desiredFile' in source) daemon.reload();
          else daemon.reconciler.trigger('SIGHUP');
        });
        // standalone, nothing else holds the event loop (no control-plane stream; the timers are unref'd)
        const alive = setInterval(() => undefined, 2 ** 30);
        await new Promise<void>((resolve) => {
          const stop = (sig: string) => {
            clearInterval(alive);
            log.info(`${sig}: stopping (the IPVS table is left as it is)`);
            ha.stop();
            void daemon
              .stop()
              .then(() => created.close())
              .then(resolve);
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
      },
    );

  program
    .command('vrrp-notify')
    .description("keepalived's notify script: record a VRRP state change for `run --vrrp-state` (keepalived appends INSTANCE|GROUP, the name, the state and the priority)")
    .requiredOption('--state-dir <dir>', 'the directory `run --vrrp-state` reads')
    .argument('<args...>', 'INSTANCE|GROUP <name> <MASTER|BACKUP|FAULT|STOP|DELETED> [priority]')
    .action((args: string[], opts: { stateDir: string }) => {
      try {
        recordNotify(opts.stateDir, args);
      } catch (e) {
        throw new CliInputError((e as Error).message);
      }
    });

  program
    .command('snapshot')
    .description('print the live IPVS table: rules (ipvsadm -Sn, plus -e lines for thresholds and --set/--start-daemon lines) or JSON')
    .option('--json', 'print the canonical JSON config instead of rules')
    .addOption(engineOption())
    .addOption(ipvsadmOption())
    .addOption(procNetOption())
    .addOption(sysctlRootOption())
    .addOption(simKernelOption())
    .action(async (opts: EngineFlags & { json?: boolean }) => {
      const config = await withEngine(opts, (e) => e.readConfig());
      process.stdout.write(opts.json ? `${JSON.stringify(config, null, 2)}\n` : rulesWithThresholds(config));
    });

  program
    .command('plan')
    .description('show what `apply` would change, as the ipvsadm commands it would run')
    .requiredOption('--desired <file>', 'desired config: JSON (a DirectorConfig), rules text (ipvsadm -Sn format) or keepalived.conf; - for stdin')
    .option('--actual <file>', 'plan against this file (same formats) instead of the live table: no engine is touched')
    .option('--json', 'print the ops as JSON')
    .option('--detailed-exitcode', 'exit 0 when in sync, 2 when there are changes')
    .addOption(engineOption())
    .addOption(ipvsadmOption())
    .addOption(procNetOption())
    .addOption(sysctlRootOption())
    .addOption(simKernelOption())
    .action(async (opts: EngineFlags & { desired: string; actual?: string; json?: boolean; detailedExitcode?: boolean }) => {
      if (opts.actual) {
        const n = planAction({ desired: opts.desired, actual: opts.actual, json: opts.json }, processIo);
        if (opts.detailedExitcode && n) process.exitCode = 2;
        return;
      }
      const desired = loadConfig(opts.desired, processIo).config;
      const { ops, actual, drains } = await withEngine(opts, (e) => oneShotPlan(e, desired));
      if (opts.json) process.stdout.write(`${JSON.stringify(ops, null, 2)}\n`);
      else for (const op of ops) process.stdout.write(`${opToCommandLine(op)}\n`);
      process.stderr.write(`${ops.length ? summarizeOps(ops, actual) : 'in sync: nothing to do'}\n`);
      for (const d of drains) if (!d.done) process.stderr.write(`draining ${d.server.address}:${d.server.port}: ${d.activeConns + d.inactConns} connections left (until ${d.deadline})\n`);
      if (opts.detailedExitcode && ops.length) process.exitCode = 2;
    });

  program
    .command('apply')
    .description("apply a desired config to the kernel as one ipvsadm -R batch; prints the commands run; exits non-zero with ipvsadm's message if one fails")
    .requiredOption('--desired <file>', 'desired config: JSON (a DirectorConfig), rules text (ipvsadm -Sn format) or keepalived.conf; - for stdin')
    .option('--base <file>', 'what the director is believed to run (e.g. the previously applied file): read only the services that differ from it, not the whole table')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON object { ok, ops, timings: { readMs, planMs, applyMs, verifyMs, totalMs } } instead of the commands run')
    .addOption(engineOption())
    .addOption(ipvsadmOption())
    .addOption(procNetOption())
    .addOption(sysctlRootOption())
    .addOption(simKernelOption())
    .action(async (opts: EngineFlags & { desired: string; base?: string; yes?: boolean; json?: boolean }) => {
      const started = performance.now();
      const desired = loadConfig(opts.desired, processIo).config;
      const base = opts.base ? loadConfig(opts.base, processIo).config : undefined;
      await withEngine(opts, async (engine) => {
        const { ops, actual, target, drains, timings } = await oneShotPlan(engine, desired, base);
        const report = (r: { ok: boolean; ops: Op[]; applyMs: number; verifyMs: number } & Record<string, unknown>) => {
          if (!opts.json) return;
          const { applyMs, verifyMs, ...rest } = r;
          const t = { readMs: ms(timings.readMs), planMs: ms(timings.planMs), applyMs: ms(applyMs), verifyMs: ms(verifyMs), totalMs: ms(performance.now() - started) };
          process.stdout.write(`${JSON.stringify({ ...rest, timings: t })}\n`);
        };
        if (ops.length === 0) {
          process.stderr.write('in sync: nothing to do\n');
          report({ ok: true, ops: [], applyMs: 0, verifyMs: 0 });
          return;
        }
        process.stderr.write(`plan: ${summarizeOps(ops, actual)}\n`);
        if (!opts.yes) {
          if (!process.stdin.isTTY) throw new Error(`${ops.length} change(s) to apply; pass --yes to apply without a terminal`);
          for (const op of ops) process.stderr.write(`  ${opToCommandLine(op)}\n`);
          if (!(await confirm(`apply ${ops.length} change(s)? [y/N] `))) {
            process.stderr.write('nothing applied\n');
            process.exitCode = 1;
            return;
          }
        }
        const t0 = performance.now();
        const r = await engine.apply(ops, actual);
        const applyMs = performance.now() - t0;
        const ran = r.ok ? ops : ops.slice(0, r.applied);
        if (!opts.json) for (const op of ran) process.stdout.write(`${opToCommandLine(op)}\n`);
        if (!r.ok) {
          process.stderr.write(`FAILED: ${r.command}\n  ${r.message}\n${r.applied} of ${ops.length} change(s) applied before it; the rest were not applied\n`);
          report({ ok: false, ops: ran, failed: { op: r.failedOp, command: r.command, message: r.message, exitCode: r.exitCode }, applyMs, verifyMs: 0 });
          process.exitCode = 1;
          return;
        }
        // Verify the services the ops changed (the rest was just read).
        const t1 = performance.now();
        const touched = { services: touchedServices(ops) };
        const after = await readServices(engine, actual, touched.services);
        const residual = plan(scopeOf(target, touched), scopeOf(after, touched)); // only they can differ: O(K), not O(N)
        const verifyMs = performance.now() - t1;
        if (residual.length) {
          process.stderr.write(`applied, but the kernel still differs: ${summarizeOps(residual)}\n`);
          report({ ok: false, ops, residual, applyMs, verifyMs });
          process.exitCode = 1;
          return;
        }
        process.stderr.write(`applied and verified: ${summarizeOps(ops, actual)}\n`);
        const pending = drains.filter((d) => !d.done);
        if (pending.length) process.stderr.write(`${pending.length} real server(s) draining at weight 0; run apply again once their connections are gone to remove them\n`);
        report({ ok: true, ops, applyMs, verifyMs });
      });
    });

  program
    .command('stats')
    .description('read one stats sample: printed as ipvsadm -Ln --stats --exact (or --rate --exact) prints it, or as JSON with the read time')
    .option('--rate', "print the kernel's rate estimates (ipvsadm -Ln --rate --exact) instead of the counters")
    .option('--json', 'print the sample as JSON, with timings.readMs (one line per sample)')
    .option('--samples <n>', 'take N samples in one process, --interval-ms apart, as the daemon does: the first is cold, the rest run warm', int('--samples', 1, 86_400), 1)
    .option('--interval-ms <ms>', 'time between the starts of two samples (a slower read skips ticks)', int('--interval-ms', 1, 3_600_000), 1000)
    .addOption(engineOption())
    .addOption(ipvsadmOption())
    .addOption(procNetOption())
    .addOption(sysctlRootOption())
    .addOption(simKernelOption())
    .action(async (opts: EngineFlags & { rate?: boolean; json?: boolean; samples: number; intervalMs: number }) => {
      await withEngine(opts, async (engine) => {
        const print = (snapshot: StatsSnapshot, readMs: number) => {
          if (opts.json) process.stdout.write(`${JSON.stringify({ ...snapshot, timings: { readMs: ms(readMs) } })}\n`);
          else process.stdout.write(opts.rate ? formatRateListing(snapshot, { exact: true }) : formatStatsListing(snapshot, { exact: true }));
        };
        const skipped = await sampleRepeatedly(() => engine.readStats(), opts.samples, opts.intervalMs, print);
        if (skipped > 0) process.stderr.write(`${skipped} tick(s) skipped: a sample took longer than --interval-ms\n`);
      });
    });

  program
    .command('sim-kernel')
    .description('run a simulated director kernel in its own process (it outlives agent restarts, as a real kernel does)')
    .requiredOption('--socket <path>', 'unix socket to serve on')
    .addOption(new Option('--sim-traffic <profile>', 'simulated client traffic').choices(['demo', 'none']).default('none'))
    .option('--seed <n>', 'random seed', int('--seed', 0, 2 ** 31 - 1))
    .option('--op-delay-ms <ms>', 'time each op of an apply takes (an agent killed mid-batch then leaves it partly applied)', int('--op-delay-ms', 0, 10_000), 0)
    .option('--test-hooks', 'let a client freeze the next apply at a chosen op (crash tests kill the agent exactly there)')
    .action(async (opts: { socket: string; simTraffic: 'demo' | 'none'; seed?: number; opDelayMs: number; testHooks?: boolean }) => {
      const sim = await createLocalSim(opts.simTraffic, opts.seed);
      const server = await serveSimKernel(sim, opts.socket, { opDelayMs: opts.opDelayMs, testHooks: opts.testHooks === true });
      process.stderr.write(`sim kernel on ${opts.socket}\n`);
      await new Promise<void>((resolve) => {
        const stop = () =>
          void server
            .close()
            .then(() => sim.close?.())
            .then(() => resolve());
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });

  registerOfflineCommands(program);
  // subcommands made before or by other modules inherit nothing: set it on every one
  const overrideAll = (c: Command) => c.commands.forEach((sub) => overrideAll(sub.exitOverride()));
  overrideAll(program);
  return program;
}

/** Errors people can act on get one clear message (and field paths); bugs keep their stack. */
export function describeError(e: unknown): string {
  if (e instanceof CliInputError) return e.message;
  if (e instanceof ValidationError)
    return e.issues.length > 1
      ? `invalid desired config:\n${e.message
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`
      : `invalid desired config: ${e.message}`;
  if (e instanceof EngineUnavailableError) return e.message;
  if (e instanceof Error && (e.name === 'IpvsadmError' || e.constructor === Error)) return e.message;
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    // commander already printed its message (or the help/version text it was asked for)
    if (e instanceof CommanderError) return void (process.exitCode = e.exitCode === 0 ? 0 : 2);
    process.stderr.write(`lvs-agent: ${describeError(e)}\n`);
    process.exitCode = e instanceof CliInputError ? 2 : 1; // 2: bad input, as the offline commands
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv);
}
