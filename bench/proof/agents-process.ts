// The agent fleet of the proofs: many REAL agents (startDaemon: transport, reconciler, health
// monitor, stats sampler) each on its own simulated kernel, all in this one process, separate from
// the console's. Driven by its parent over IPC (fleet-client.ts). Every agent talks to the console
// over real HTTP; a thin wrapper around fetch records when each ACK and hello was accepted, so the
// parent can measure save → ACK and reconnect times without the console's help.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startDaemon, type Daemon } from '@/agent/daemon';
import { SimEngine } from '@/agent/engines/sim';
import type { Logger } from '@/agent/transport';
import { configHash } from '@/lib/ipvs/hash';
import type { AgentCommand, AgentReply, FleetStatus } from './fleet-protocol';

interface Agent {
  i: number;
  token: string;
  sim: SimEngine;
  daemon: Daemon;
  /** ops applied by each reconcile pass, in order */
  ops: number;
}

const agents: Agent[] = [];
// Each agent keeps its state file (and fsyncs it) as in production. Here N agents share one event
// loop, where N synchronous fsyncs would queue up behind each other; on N machines they run in
// parallel. So the state files live in memory, where fsync is free and the code path the same.
const stateRoot = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'lvs-proof-agents-'));
process.on('exit', () => fs.rmSync(stateRoot, { recursive: true, force: true }));
const byToken = new Map<string, number>();
/** revision -> when each agent's ACK for it was accepted (ms since epoch) */
const ackAt = new Map<number, Map<number, number>>();
/** agent -> when its latest hello was accepted */
const helloAt = new Map<number, number>();
let errors = 0;
/** How late this process's event loop runs: if the harness itself is the bottleneck, it shows here. */
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();

/** What the agents logged, by kind (numbers blanked), so a proof can say why agents lagged. */
const logged = new Map<string, number>();
const note = (level: string, m: string) => {
  const k = `${level}: ${m.replace(/\d+(\.\d+)?/g, '#').slice(0, 160)}`;
  logged.set(k, (logged.get(k) ?? 0) + 1);
  if (process.env.LVS_PROOF_DEBUG && logged.get(k) === 1) process.stderr.write(`[agents] ${k}\n`);
};
const quiet: Logger = {
  info: () => undefined,
  warn: (m) => note('warn', m),
  error: (m) => {
    errors++;
    note('error', m);
  },
};

// Record accepted ACKs and hellos: the agent's own transport makes the request; we only watch.
const realFetch = globalThis.fetch;
// LVS_PROOF_TRACE=0,49: print when those agents got each desired revision and every POST they made (start, ms taken)
const TRACE = process.env.LVS_PROOF_TRACE ? new Set(process.env.LVS_PROOF_TRACE.split(',').map(Number)) : null;
globalThis.fetch = async (input, init) => {
  const t0 = Date.now();
  const res = await realFetch(input, init);
  if (TRACE && init?.method === 'POST' && typeof init.body === 'string') {
    const i = byToken.get((new Headers(init.headers).get('authorization') ?? '').replace(/^Bearer /, ''));
    if (i !== undefined && TRACE.has(i))
      process.stderr.write(`[trace] a${i} ${String(input).split('/').pop()} ${String(init.body).slice(9, 20)} start ${t0 % 100000} took ${Date.now() - t0} len ${init.body.length}\n`);
  }
  if (init?.method === 'POST' && res.ok && String(input).endsWith('/agent/report') && typeof init.body === 'string') {
    const auth = new Headers(init.headers).get('authorization') ?? '';
    const i = byToken.get(auth.replace(/^Bearer /, ''));
    const r = JSON.parse(init.body) as { type: string; revision?: number };
    if (i !== undefined && r.type === 'ack' && r.revision !== undefined) {
      let m = ackAt.get(r.revision);
      if (!m) ackAt.set(r.revision, (m = new Map()));
      if (!m.has(i)) m.set(i, Date.now());
    }
    if (i !== undefined && r.type === 'hello') helloAt.set(i, Date.now());
  }
  return res;
};

async function start(c: Extract<AgentCommand, { cmd: 'start' }>): Promise<void> {
  const batch = 50;
  for (let k = 0; k < c.tokens.length; k += batch) {
    await Promise.all(
      c.tokens.slice(k, k + batch).map(async (token, j) => {
        const i = c.first + k + j;
        const sim = new SimEngine({ seed: i + 1, traffic: 'none' });
        sim.start();
        const stateDir = path.join(stateRoot, `a${i}`);
        fs.mkdirSync(stateDir, { recursive: true });
        byToken.set(token, i);
        const daemon = await startDaemon({
          server: c.server,
          token,
          engine: sim,
          probeBackend: (a, p) => sim.probeBackend(a, p),
          stateDir,
          statsIntervalMs: c.statsIntervalMs,
          offlineGraceMs: 0,
          log: quiet,
        });
        const agent: Agent = { i, token, sim, daemon, ops: 0 };
        daemon.reconciler.onPass = (o) => {
          if (o.kind === 'applied') agent.ops += o.ops.length;
        };
        agents.push(agent);
        if (TRACE?.has(i)) {
          const sd = daemon.reconciler.setDesired.bind(daemon.reconciler);
          daemon.reconciler.setDesired = (rev) => {
            process.stderr.write(`[trace] a${i} desired ${rev.revision} at ${Date.now() % 100000}\n`);
            sd(rev);
          };
        }
      }),
    );
  }
}

function status(): FleetStatus {
  const applied: Record<string, number> = {};
  let connected = 0;
  let inSync = 0;
  let buffered = 0;
  let maxBuffered = 0;
  let dropped = 0;
  let pendingReports = 0;
  let ops = 0;
  let healthChecked = 0;
  let oldestHealthCheck: string | null = null;
  for (const a of agents) {
    const r = a.daemon.reconciler;
    const rev = String(r.lastAppliedRevision ?? 'none');
    applied[rev] = (applied[rev] ?? 0) + 1;
    if (a.daemon.transport.connected) connected++;
    if (r.desiredRevision !== null && r.lastAppliedRevision === r.desiredRevision && r.drift === null) inSync++;
    const size = a.daemon.statsBuffer.size;
    buffered += size;
    maxBuffered = Math.max(maxBuffered, size);
    dropped += a.daemon.statsBuffer.dropped;
    pendingReports += a.daemon.transport.pendingReports;
    ops += a.ops;
    for (const h of a.daemon.health.states()) {
      healthChecked++;
      if (!oldestHealthCheck || h.lastCheck < oldestHealthCheck) oldestHealthCheck = h.lastCheck;
    }
  }
  const lagP99Ms = Math.round(lag.percentile(99) / 1e6);
  lag.reset();
  return { lagP99Ms, agents: agents.length, connected, inSync, applied, buffered, maxBuffered, dropped, pendingReports, ops, errors, healthChecked, oldestHealthCheck };
}

/** Every agent's live table in one digest per distinct config: all equal = one entry. */
function liveHashes(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of agents) {
    const h = configHash(a.sim.config());
    out[h] = (out[h] ?? 0) + 1;
  }
  return out;
}

async function handle(c: AgentCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'start':
      await start(c);
      return status();
    case 'status':
      return status();
    case 'logged':
      return [...logged.entries()].sort((a, b) => b[1] - a[1]);
    case 'acks': {
      const m = ackAt.get(c.revision);
      return m ? [...m.entries()] : [];
    }
    case 'hellos':
      return [...helloAt.entries()].filter(([, t]) => t >= c.since);
    case 'live':
      return liveHashes();
    case 'stop':
      await Promise.all(
        agents.map(async (a) => {
          await a.daemon.stop();
          a.sim.stop();
        }),
      );
      fs.rmSync(stateRoot, { recursive: true, force: true });
      return status();
  }
}

process.on('message', (m: { id: number; c: AgentCommand }) => {
  handle(m.c).then(
    (value) => process.send!({ id: m.id, ok: true, value } satisfies AgentReply),
    (e: Error) => process.send!({ id: m.id, ok: false, error: e.stack ?? e.message } satisfies AgentReply),
  );
});
process.on('SIGTERM', () => process.exit(0)); // exit normally, so a --cpu-prof profile is written
process.send!({ id: 0, ok: true, value: 'ready' } satisfies AgentReply);
