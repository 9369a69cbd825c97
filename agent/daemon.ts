// `lvs-agent run`: wires the engine, the reconciler, health checks, the stats sampler, /metrics
// and the control-plane transport into one long-running process. Stopping it (SIGTERM) leaves the
// kernel exactly as it is: an agent never flushes the table, on exit or otherwise.
// Standalone (`run --desired FILE`, GitOps): no control plane; the file is the desired config,
// re-read by reload() (SIGHUP), and every pass is also handed to `passLog` (one JSON line each).
import os from 'node:os';
import type http from 'node:http';
import { MAX_CHECK_SCRIPTS, PROTOCOL_VERSION, type DesiredRevision, type Report } from '../lib/protocol/messages';
import type { ConnEntry, ConnFilter } from '../lib/ipvs/stats';
import { realServerLabel, serviceLabel } from '@/lib/ipvs/model';
import type { Engine, EngineFacts } from './engines/engine';
import { HealthMonitor, notChecked } from './health/monitor';
import { DEFAULT_CHECKS_DIR, NetProber, SimProber, type Prober } from './health/probe';
import { availableScripts } from './health/checkers/misc';
import { Reconciler, type PassOutcome, type PassTimings } from './reconcile';
import { SampleBuffer, StatsSampler } from './stats/sampler';
import { renderMetrics, serveMetrics } from './stats/metrics';
import { StateStore } from './state-store';
import { HaReporter, type VrrpSource } from './ha/reporter';
import type { AddressSource } from './ha/addresses';
import { Transport, type Logger } from './transport';
import { DesiredFile } from './desired-file';
import { AGENT_VERSION } from './version';

/** How many stats samples (and rows) an agent keeps while the control plane is away: an hour at 1 Hz. */
export const STATS_BUFFER = { samples: 3600, rows: 2_000_000 } as const;

/** The control plane the daemon takes its revisions from and reports to. */
interface ControlPlaneSource {
  server: string;
  token: string;
}
/** Standalone: the desired config is this file (JSON, rules text or keepalived.conf), re-read on reload(). */
interface FileSource {
  desiredFile: string;
}

/** What a standalone daemon logs of each pass (the CLI prints it as one JSON line). */
export interface PassLogEntry {
  at: string;
  reason: string;
  outcome: PassOutcome['kind'];
  revision: number | null;
  ops: number;
  timings: PassTimings & { totalMs: number };
  message?: string;
}

export type DaemonOptions = DaemonCommonOptions & (ControlPlaneSource | FileSource);

interface DaemonCommonOptions {
  engine: Engine;
  probeBackend: ((address: string, port: number) => Promise<{ ok: boolean; reason: string }> | { ok: boolean; reason: string }) | null;
  /** MISC_CHECK scripts live here (default /etc/lvs-agent/checks); the console names them, never sends them. */
  checksDir?: string;
  stateDir: string | null;
  metricsPort?: number;
  metricsHost?: string;
  reconcileIntervalMs?: number;
  statsIntervalMs?: number;
  /** How long to wait for the control plane before reconciling from the saved revision. */
  offlineGraceMs?: number;
  /** HA: where the director's interface addresses and VRRP states come from (null: not read) */
  ha?: { addresses: AddressSource | null; vrrp: VrrpSource | null };
  /** Every pass, as it ends (standalone mode). */
  passLog?: (entry: PassLogEntry) => void;
  log: Logger;
}

export interface Daemon<T extends Transport | null = Transport> {
  facts: EngineFacts;
  reconciler: Reconciler;
  /** null in standalone mode */
  transport: T;
  /** Standalone mode: re-read the desired file (what SIGHUP does); false when it is bad or unchanged. */
  reload(): boolean;
  health: HealthMonitor;
  sampler: StatsSampler;
  ha: HaReporter;
  /** Stats samples waiting for the control plane (bounded; oldest dropped first). */
  statsBuffer: SampleBuffer;
  metricsServer: http.Server | null;
  stop(): Promise<void>;
}

/** Answer a conn-query: count every match (the table may be huge; memory stays constant), keep one page. */
export async function queryConnections(engine: Engine, filter: Partial<ConnFilter>, offset: number, limit: number): Promise<{ total: number; entries: ConnEntry[] }> {
  let total = 0;
  const entries: ConnEntry[] = [];
  for await (const e of engine.connections(filter)) {
    if (total >= offset && entries.length < limit) entries.push(e);
    total++;
  }
  return { total, entries };
}

export function startDaemon(o: DaemonCommonOptions & ControlPlaneSource): Promise<Daemon>;
export function startDaemon(o: DaemonCommonOptions & FileSource): Promise<Daemon<null>>;
export function startDaemon(o: DaemonOptions): Promise<Daemon<Transport | null>>;
export async function startDaemon(o: DaemonOptions): Promise<Daemon<Transport | null>> {
  const { engine, log } = o;
  // Standalone: the file is read (and must be good) before anything touches the kernel.
  const file = 'desiredFile' in o ? new DesiredFile({ file: o.desiredFile, log }) : null;
  const first = file?.load() ?? null;
  if (file && !first) throw new Error(`${(o as FileSource).desiredFile}: no valid desired config to start from`);
  const facts = await engine.facts(); // startup checks: binary, version, root, IPVS answering
  log.info(
    `engine ${facts.engine}: kernel ${facts.kernel}, IPVS ${facts.ipvsVersion} (connection table ${facts.connTableSize} buckets)${facts.ipvsadmVersion ? `, ipvsadm ${facts.ipvsadmVersion}` : ''}`,
  );

  // Standalone, the file is the state: no saved revision from another mode may overrule it.
  const store = o.stateDir && !file ? new StateStore(o.stateDir) : null;
  const saved = store?.load() ?? null;
  if (saved?.acked) log.info(`resuming: last applied revision ${saved.acked.revision} (${saved.acked.at})`);

  const report = (r: Report) => transport?.report(r);

  const prober: Prober = o.probeBackend ? new SimProber({ probeBackend: o.probeBackend }) : new NetProber({ checksDir: o.checksDir });
  const health = new HealthMonitor({
    prober,
    seed: saved?.health ?? [],
    onTransition: (s) => {
      log.warn(`health: ${serviceLabel(s.service)} -> ${realServerLabel(s.server)} is ${s.healthy ? 'healthy' : 'failing'}: ${s.reason}`);
      report({ type: 'health', states: health.states(), transitions: health.transitions() });
      reconciler.persistHealth();
      reconciler.trigger('health transition');
    },
  });

  const buffer = new SampleBuffer(STATS_BUFFER.samples, STATS_BUFFER.rows);
  const sampler = new StatsSampler({
    read: () => engine.readStats(),
    intervalMs: o.statsIntervalMs ?? 1000,
    buffer,
    onError: (e) => {
      if (sampler.errors === 1 || sampler.errors % 60 === 0) log.warn(`stats: ${e.message} (${sampler.errors} failed reads)`);
    },
  });

  const reconciler = new Reconciler({
    engine,
    store,
    report,
    log,
    unhealthy: () => health.unhealthy(),
    dynamicWeights: () => health.dynamicWeights(),
    latestStats: () => sampler.latest,
    intervalMs: o.reconcileIntervalMs ?? 10_000,
    healthStates: () => health.states(),
  });
  // Health checks follow the desired config (what should be checked), never the live table.
  const follow = reconciler.onDesiredChange;
  reconciler.onDesiredChange = (cfg) => {
    follow?.(cfg);
    health.update(cfg);
    for (const n of notChecked(cfg)) log.warn(`health: not checked: ${n}`);
  };
  if (saved?.desired) health.update(saved.desired.config);
  if (o.passLog) {
    const passLog = o.passLog;
    const prev = reconciler.onPass;
    reconciler.onPass = (outcome) => {
      prev?.(outcome);
      const last = reconciler.lastPass!;
      passLog({
        at: new Date().toISOString(),
        reason: last.reason,
        outcome: outcome.kind,
        revision: 'revision' in outcome ? outcome.revision : null,
        ops: outcome.kind === 'applied' ? outcome.ops.length : 0,
        timings: last.timings,
        ...('message' in outcome ? { message: outcome.message } : {}),
      });
    };
  }

  const cp = 'server' in o ? o : null;
  const transport: Transport | null = !cp
    ? null
    : new Transport({
        server: cp.server,
        token: cp.token,
        log,
        stats: buffer,
        hello: () => ({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          // the check scripts are listed at every (re)connect: installing one shows after the next hello
          capabilities: { ...facts, agentVersion: AGENT_VERSION, hostname: os.hostname(), checkScripts: availableScripts(o.checksDir ?? DEFAULT_CHECKS_DIR).slice(0, MAX_CHECK_SCRIPTS) },
          lastAppliedRevision: reconciler.lastAppliedRevision,
        }),
        onDesired: (rev) => onRevision(rev),
        onBadDesired: (info) => reconciler.rejectDesired(info),
        onReconcile: (reason) => reconciler.trigger(`requested: ${reason}`),
        onConnQuery: (q) => {
          queryConnections(engine, q.filter, q.offset, q.limit)
            .then(({ total, entries }) => transport?.answerConnections({ requestId: q.requestId, total, entries }))
            .catch((e: Error) => log.warn(`conn-query ${q.requestId}: ${e.message}`));
        },
        onConnectionChange: (up) => {
          if (up) {
            log.info(`connected to ${cp.server}`);
            // The control plane may have lost what we told it: say it again.
            reconciler.forgetReported();
            report({ type: 'health', states: health.states(), transitions: health.transitions() });
            reconciler.trigger('reconnected');
            ha.resend();
          } else {
            log.warn(`control plane ${cp.server} unreachable; keeping the last good config, health checks and stats running`);
          }
        },
      });

  const ha = new HaReporter({
    addresses: o.ha?.addresses ?? null,
    vrrp: o.ha?.vrrp ?? null,
    desired: () => reconciler.desiredConfig,
    live: () => reconciler.live,
    stats: () => sampler.latest,
    report,
    log,
  });

  let metricsServer: http.Server | null = null;
  if (o.metricsPort !== undefined) {
    metricsServer = await serveMetrics(o.metricsPort, o.metricsHost ?? '0.0.0.0', () =>
      renderMetrics({
        snapshot: sampler.latest,
        live: reconciler.live,
        deltas: sampler.rates,
        health: health.states(),
        agent: {
          appliedRevision: reconciler.lastAppliedRevision,
          desiredRevision: reconciler.desiredRevision,
          drift: reconciler.drift !== null,
          connected: transport?.connected ?? false,
          reconciles: { ok: reconciler.stats.ok, failed: reconciler.stats.failed },
          lastReconcileSeconds: reconciler.stats.lastAt ? reconciler.stats.lastAt.getTime() / 1000 : null,
          statsDropped: buffer.dropped,
          statsErrors: sampler.errors,
          statsSkippedTicks: sampler.skippedTicks,
          statsSampleSeconds: sampler.lastDurationMs === null ? null : sampler.lastDurationMs / 1000,
        },
      }),
    );
    log.info(`metrics on http://${o.metricsHost ?? '0.0.0.0'}:${o.metricsPort}/metrics`);
  }

  sampler.start();
  reconciler.start();
  ha.start();
  transport?.start();
  // Without the control plane, converge on the saved intent rather than wait forever; with it,
  // wait for its `desired` so a half-applied revision is finished, not reverted (and a control
  // plane that has no revision for this director is not overruled by an old one).
  const grace = transport
    ? setTimeout(() => {
        if (!reconciler.desiredRevision && !transport.everConnected) reconciler.useSavedDesired();
      }, o.offlineGraceMs ?? 15_000)
    : null;
  grace?.unref?.();
  if (first)
    reconciler.setDesired(first, { hashed: true }); // the first pass: a full read, as at every start
  else reconciler.trigger('startup');
  const onRevision = (rev: DesiredRevision, hashed = false) => {
    health.setPolicy(rev.healthPolicy);
    reconciler.setDesired(rev, { hashed });
  };

  return {
    facts,
    reconciler,
    transport,
    health,
    sampler,
    ha,
    statsBuffer: buffer,
    metricsServer,
    reload() {
      const next = file?.load();
      if (!next) return false;
      onRevision(next, true); // DesiredFile hashed this very config
      return true;
    },
    async stop() {
      if (grace) clearTimeout(grace);
      health.stop();
      ha.stop();
      sampler.stop();
      await transport?.stop();
      await reconciler.stop();
      await new Promise((r) => (metricsServer ? metricsServer.close(r) : r(undefined)));
    },
  };
}
