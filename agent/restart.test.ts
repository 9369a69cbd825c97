// The agent is SIGKILLed at random moments while it applies 50 successive revisions. The
// simulated kernel lives in its own process (as a real kernel outlives the agent) and stops a
// batch where the agent died (as systemd kills the agent's cgroup, ipvsadm included). After every
// restart the agent must converge on the revision and ACK it, and what it changes in the kernel
// must be exactly the plan from the table it found: nothing that already matched is touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TIMEOUTS, DirectorConfigSchema, type DirectorConfig } from '../lib/ipvs/model';
import { configHash } from '../lib/ipvs/hash';
import { plan } from '../lib/ipvs/plan';
import type { Op } from '../lib/ipvs/op';
import type { DesiredRevision } from '../lib/protocol/messages';
import { FakeControlPlane } from './testing/fake-control-plane';
import { RemoteSimEngine } from './engines/remote-sim';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'agent/bin/lvs-agent.mjs');
const ITERATIONS = 50;

/** mulberry32: a seeded PRNG so a failure can be replayed (the seed is in the test name). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.LVS_RESTART_SEED ?? 20240611);

/** A random walk over configs: services and real servers come and go, weights and schedulers change. */
function configs(seed: number, n: number): DirectorConfig[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const keys = [
    { protocol: 'tcp', address: '10.0.0.1', port: 80 },
    { protocol: 'tcp', address: '10.0.0.1', port: 443 },
    { protocol: 'udp', address: '10.0.0.2', port: 53 },
    { protocol: 'tcp', address: '2001:db8::1', port: 80 },
    { protocol: 'fwmark', fwmark: 7, family: 'inet' },
    { protocol: 'sctp', address: '10.0.0.3', port: 3868 },
  ] as const;
  type Svc = { key: (typeof keys)[number]; scheduler: string; persistence?: { timeout: number }; servers: Map<string, { weight: number; forwarding: 'route' | 'masq' }> };
  const state = new Map<number, Svc>();
  const addrOf = (k: Svc['key'], i: number) => (k.protocol !== 'fwmark' && k.address.includes(':') ? `2001:db8:1::${i}` : `10.1.${keys.indexOf(k as never)}.${i}`);
  const out: DirectorConfig[] = [];
  for (let step = 0; step < n; step++) {
    const mutations = 1 + Math.floor(r() * 4);
    for (let m = 0; m < mutations; m++) {
      const ki = Math.floor(r() * keys.length);
      const svc = state.get(ki);
      const roll = r();
      if (!svc) {
        const s: Svc = { key: keys[ki]!, scheduler: pick(['rr', 'wrr', 'wlc', 'lc', 'sh']), servers: new Map() };
        if (keys[ki]!.protocol === 'fwmark' || r() < 0.3) s.persistence = { timeout: pick([60, 300, 360]) };
        for (let i = 1; i <= 1 + Math.floor(r() * 3); i++) s.servers.set(addrOf(s.key, i), { weight: Math.floor(r() * 4), forwarding: 'route' });
        state.set(ki, s);
      } else if (roll < 0.1) state.delete(ki);
      else if (roll < 0.2) svc.scheduler = pick(['rr', 'wrr', 'wlc', 'lc', 'sh']);
      else if (roll < 0.45) {
        const i = 1 + Math.floor(r() * 6);
        const a = addrOf(svc.key, i);
        if (svc.servers.has(a)) svc.servers.delete(a);
        else svc.servers.set(a, { weight: Math.floor(r() * 4), forwarding: svc.key.protocol === 'fwmark' ? 'route' : pick(['route', 'masq']) });
      } else {
        for (const [, v] of svc.servers) if (r() < 0.5) v.weight = Math.floor(r() * 6);
      }
    }
    out.push(
      DirectorConfigSchema.parse({
        services: [...state.values()].map((s) => ({
          ...s.key,
          scheduler: s.scheduler,
          ...(s.persistence ? { persistence: s.persistence } : {}),
          realServers: [...s.servers].map(([address, v]) => ({ address, ...v })),
        })),
      }),
    );
  }
  return out;
}

describe(`agent killed at random points during ${ITERATIONS} applies (seed ${SEED})`, () => {
  let dir: string;
  let cp: FakeControlPlane;
  let simKernel: ChildProcess;
  let kernel: RemoteSimEngine;
  let agent: ChildProcess | null = null;
  let agentLog = '';
  const socket = () => path.join(dir, 'kernel.sock');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-restart-'));
    fs.writeFileSync(path.join(dir, 'token'), 'secret-token\n');
    cp = new FakeControlPlane('secret-token');
    await cp.listen();
    simKernel = spawn(process.execPath, [BIN, 'sim-kernel', '--socket', socket(), '--op-delay-ms', '12'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(socket())) {
      if (Date.now() > deadline || simKernel.exitCode !== null) throw new Error('sim kernel did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    kernel = new RemoteSimEngine(socket());
  }, 60_000);

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await kernel?.close();
    simKernel?.kill('SIGTERM');
    await cp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function startAgent(): ChildProcess {
    agentLog = '';
    const child = spawn(
      process.execPath,
      [BIN, 'run', '--engine', 'sim', '--sim-kernel', socket(), '--server', cp.url, '--token-file', path.join(dir, 'token'), '--state-dir', path.join(dir, 'state'), '--interval', '1', '--offline-grace', '60'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (agentLog = (agentLog + d).slice(-20_000)));
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  const flat = (entries: { ops: Op[] }[]) => entries.flatMap((e) => e.ops);

  it('converges after every restart and only ever changes what differs', async () => {
    const revs: DesiredRevision[] = configs(SEED, ITERATIONS).map((config, i) => ({
      cluster: 'c1', revision: i + 1, hash: configHash(config), createdAt: new Date().toISOString(), driftPolicy: 'enforce', config,
    }));
    const r = rng(SEED ^ 0x5bd1e995);
    let previous = DirectorConfigSchema.parse({});
    let touchedNothing = 0;
    let partial = 0;
    agent = startAgent();
    await cp.waitFor(() => cp.reportsOf('hello').length >= 1, 30_000, 'first hello');

    for (const rev of revs) {
      const journalStart = (await kernel.journal()).length;
      const reportsBefore = cp.reports.length;
      cp.publish(rev);
      // Kill somewhere between "just received" and "long done": mostly inside the apply window
      // (a batch takes 12 ms per op here), sometimes well after it.
      await new Promise((res) => setTimeout(res, r() < 0.75 ? Math.floor(r() * 100) : 100 + Math.floor(r() * 300)));
      await kill(agent);
      await kernel.idle();
      const found = await kernel.readConfig();
      const beforeRestart = flat((await kernel.journal()).slice(journalStart));
      // Whatever ran before the kill is a prefix of the one plan from the previous revision.
      const full = plan(rev.config, previous);
      expect(full.slice(0, beforeRestart.length), `revision ${rev.revision}: ops before the kill`).toEqual(beforeRestart);
      if (beforeRestart.length > 0 && beforeRestart.length < full.length) partial++;

      const journalRestart = (await kernel.journal()).length;
      const reportsRestart = cp.reports.length;
      agent = startAgent();
      await cp
        .waitFor(() => {
          // the new process says hello first, so an ACK after its hello is its own (not a late one from the killed agent)
          const since = cp.reports.slice(reportsRestart);
          const h = since.findIndex((x) => x.type === 'hello');
          return h >= 0 && since.slice(h).some((x) => x.type === 'ack' && x.revision === rev.revision);
        }, 40_000, `ACK of revision ${rev.revision}`)
        .catch((e: Error) => {
          throw new Error(`${e.message}\nagent log:\n${agentLog}`);
        });
      const hello = cp.reports.slice(reportsRestart).find((x) => x.type === 'hello');
      expect(hello?.type, 'the restarted agent said hello').toBe('hello');
      expect(hello?.type === 'hello' ? (hello.lastAppliedRevision ?? 0) : -1, 'hello resumes from the last ACKed revision').toBeGreaterThanOrEqual(rev.revision - 1);
      expect(cp.reports.slice(reportsBefore).filter((x) => x.type === 'nack'), 'no NACKs').toEqual([]);

      await kernel.idle();
      const now = await kernel.readConfig();
      expect(now, `revision ${rev.revision}: converged`).toEqual({ ...rev.config, globals: { ...rev.config.globals, timeouts: { ...DEFAULT_TIMEOUTS } } });
      const afterRestart = flat((await kernel.journal()).slice(journalRestart));
      expect(afterRestart, `revision ${rev.revision}: after restart exactly the plan from the table found`).toEqual(plan(rev.config, found));
      if (afterRestart.length === 0) touchedNothing++;
      previous = rev.config;
    }
    expect(cp.invalid).toEqual([]);
    console.log(`restarts: ${touchedNothing} found the revision already applied, ${partial} found a batch cut short, ${ITERATIONS - touchedNothing} had work left`);
    // The random kill points must actually have covered the interesting cases.
    expect(touchedNothing, 'restarts that found the revision already applied').toBeGreaterThan(0);
    expect(partial, 'restarts that found a batch cut short').toBeGreaterThanOrEqual(1);
    expect(ITERATIONS - touchedNothing, 'restarts that had work left').toBeGreaterThanOrEqual(10);
  }, 600_000);
});
