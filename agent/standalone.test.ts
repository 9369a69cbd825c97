// `lvs-agent run --desired FILE` (standalone, GitOps): the daemon wired in-process on the simulated
// director, no control plane. A reload (SIGHUP) with one weight changed is a targeted pass that
// reads O(1) services; a bad file is refused whole and the running config kept; the periodic full
// pass still finds and corrects drift; health checks and /metrics still run.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { spawn } from 'node:child_process';
import type { DirectorConfigInput } from '@/lib/ipvs/model';
import { printRules } from '@/lib/ipvs/rules';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import { SimEngine } from './engines/sim';
import { countedReads } from './testing/counted-engine';
import { startDaemon, type PassLogEntry } from './daemon';
import type { Logger } from './transport';

/** n services × 3 real servers; `weights` gives service i's first server another weight. */
function table(n: number, weights: Record<number, number> = {}): DirectorConfigInput {
  return {
    services: Array.from({ length: n }, (_, i) => ({
      protocol: 'tcp',
      address: `10.0.${i}.1`,
      port: 80,
      scheduler: 'wrr',
      realServers: [1, 2, 3].map((r) => ({ address: `10.200.${i}.${r}`, weight: r === 1 ? (weights[i] ?? 1) : r })),
    })),
  } as DirectorConfigInput;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(initial: string, o: { reconcileIntervalMs?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-standalone-'));
  const file = path.join(dir, 'desired.json');
  fs.writeFileSync(file, initial);
  const sim = new SimEngine({ seed: 5 });
  sim.start();
  const { engine, reads } = countedReads(sim); // every config read counted
  const errors: string[] = [];
  const log: Logger = { info: () => {}, warn: () => {}, error: (m) => errors.push(m) };
  const passes: PassLogEntry[] = [];
  const daemon = await startDaemon({
    desiredFile: file,
    engine,
    probeBackend: (a, p) => sim.probeBackend(a, p),
    stateDir: dir, // ignored standalone: the file is the state
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    reconcileIntervalMs: o.reconcileIntervalMs ?? 3_600_000,
    statsIntervalMs: 100,
    passLog: (e) => passes.push(e),
    log,
  });
  cleanup.push(async () => {
    await daemon.stop();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const waitPass = async (pred: (p: PassLogEntry) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const p = passes.find(pred);
      if (p) return p;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; passes: ${JSON.stringify(passes)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const metricsUrl = `http://127.0.0.1:${(daemon.metricsServer!.address() as net.AddressInfo).port}/metrics`;
  return { dir, file, sim, daemon, reads, errors, passes, waitPass, metricsUrl };
}

const weightOf = async (sim: SimEngine, i: number) => (await sim.readConfig()).services.find((s) => 'address' in s && s.address === `10.0.${i}.1`)!.realServers[0]!.weight;

describe('lvs-agent run --desired FILE (standalone)', () => {
  it('loads the file at start, then a reload with one weight changed is one op that reads O(1) services, at any table size', async () => {
    for (const n of [20, 200]) {
      const { file, sim, daemon, reads, passes, waitPass, metricsUrl } = await setup(JSON.stringify(table(n)));
      const first = await waitPass((p) => p.outcome === 'applied', 'the first pass');
      expect(first).toMatchObject({ reason: 'revision 1', revision: 1, ops: n * 4 });
      expect(first.timings).toEqual({ readMs: expect.any(Number), planMs: expect.any(Number), applyMs: expect.any(Number), verifyMs: expect.any(Number), totalMs: expect.any(Number) });
      expect(reads.full).toBeGreaterThan(0); // the start reads everything
      expect((await sim.readConfig()).services).toHaveLength(n);

      reads.full = reads.scoped = reads.services = 0;
      passes.length = 0;
      fs.writeFileSync(file, JSON.stringify(table(n, { 7: 9 })));
      expect(daemon.reload()).toBe(true);
      const pass = await waitPass((p) => p.reason === 'revision 2', 'the reload pass');
      expect(pass).toMatchObject({ outcome: 'applied', revision: 2, ops: 1 });
      // one scoped read before (the touched service) and one after (its verify); nothing else
      expect(reads).toEqual({ full: 0, scoped: 2, services: 2 });
      expect(await weightOf(sim, 7)).toBe(9);
      // /metrics shows it once the stats sampler (every 100 ms here) has seen it
      const shows = /node_ipvs_backend_weight\{local_address="10\.0\.7\.1",local_port="80",remote_address="10\.200\.7\.1",remote_port="80",proto="TCP",local_mark=""\} 9/;
      let metrics = '';
      for (let k = 0; k < 100 && !shows.test(metrics); k++) {
        metrics = await (await fetch(metricsUrl)).text();
        if (!shows.test(metrics)) await new Promise((r) => setTimeout(r, 50));
      }
      expect(metrics).toMatch(shows);

      // the same content again: nothing to do, no pass
      expect(daemon.reload()).toBe(false);
      for (const c of cleanup.splice(0).reverse()) await c();
    }
  });

  it('refuses a bad file whole (file and field or line named) and keeps the running config; a good one then applies', async () => {
    const { file, sim, daemon, errors, passes, waitPass } = await setup(JSON.stringify(table(3)));
    await waitPass((p) => p.outcome === 'applied', 'the first pass');
    passes.length = 0;

    // valid JSON, one bad field among good changes: none of them is applied
    const bad = table(3, { 0: 5, 1: 6 }) as { services: { realServers: { weight: number }[] }[] };
    bad.services[2]!.realServers[1]!.weight = -4;
    fs.writeFileSync(file, JSON.stringify(bad));
    expect(daemon.reload()).toBe(false);
    expect(errors.at(-1)).toMatch(/desired file not loaded \(keeping local revision 1\)/);
    expect(errors.at(-1)).toContain(file);
    expect(errors.at(-1)).toMatch(/services\[2\]\.realServers\[1\]\.weight: weight must be/);

    // rules text with a bad line: the line is named
    const rules = printRules(DirectorConfigSchema.parse(table(3, { 0: 5 }))).replace(/-w 2/, '-w banana');
    fs.writeFileSync(file, rules);
    expect(daemon.reload()).toBe(false);
    expect(errors.at(-1)).toMatch(/line \d+/);

    fs.writeFileSync(file, '{ "services": [');
    expect(daemon.reload()).toBe(false);
    expect(errors.at(-1)).toMatch(/not valid JSON/);

    await new Promise((r) => setTimeout(r, 100));
    expect(passes).toEqual([]); // nothing was planned, nothing applied
    expect(await weightOf(sim, 0)).toBe(1);
    expect(await weightOf(sim, 1)).toBe(1);

    fs.writeFileSync(file, printRules(DirectorConfigSchema.parse(table(3, { 0: 5 }))));
    expect(daemon.reload()).toBe(true);
    await waitPass((p) => p.revision === 2 && p.outcome === 'applied', 'the good file');
    expect(await weightOf(sim, 0)).toBe(5);
  });

  it('a start from a bad file fails before touching the kernel', async () => {
    await expect(setup('{ "services": [{ "protocol": "tcp" }] }')).rejects.toThrow(/no valid desired config/);
  });

  it('the periodic full pass finds a change made by hand and puts the file back', async () => {
    const { sim, waitPass } = await setup(JSON.stringify(table(3)), { reconcileIntervalMs: 150 });
    await waitPass((p) => p.outcome === 'applied', 'the first pass');
    const svc = (await sim.readConfig()).services[1]!;
    expect((await sim.apply([{ op: 'edit-server', service: svc, server: { ...svc.realServers[0]!, port: svc.realServers[0]!.port ?? 80, weight: 42 } }])).ok).toBe(true);
    expect(await weightOf(sim, 1)).toBe(42);
    const fix = await waitPass((p) => p.reason === 'timer' && p.ops === 1, 'the drift correction');
    expect(fix.outcome).toBe('applied');
    expect(await weightOf(sim, 1)).toBe(1);
  });
});

describe('lvs-agent run --desired FILE, as a process', () => {
  it('stays up after its first pass, and SIGHUP re-reads the file: one JSON line per pass on stdout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-standalone-proc-'));
    const file = path.join(dir, 'desired.json');
    fs.writeFileSync(file, JSON.stringify(table(2)));
    const bin = path.join(__dirname, 'bin/lvs-agent.mjs');
    const child = spawn(process.execPath, [bin, 'run', '--engine', 'sim', '--desired', file, '--interval', '3600', '--stats-interval', '3600'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const lines = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as PassLogEntry);
    const until = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      while (!pred()) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what}: exit ${child.exitCode}; stdout ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => lines().some((p) => p.outcome === 'applied'), 'the first pass');
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode).toBeNull(); // still running with nothing to do
      fs.writeFileSync(file, JSON.stringify(table(2, { 1: 8 })));
      child.kill('SIGHUP');
      await until(() => lines().some((p) => p.reason === 'revision 2'), 'the SIGHUP pass');
      expect(lines().find((p) => p.reason === 'revision 2')).toMatchObject({ outcome: 'applied', ops: 1 });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
