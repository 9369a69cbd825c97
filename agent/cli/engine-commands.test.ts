// `lvs-agent apply --json` and `lvs-agent stats` against a simulated director kernel served on a
// socket (the same one `run --engine sim --sim-kernel` uses), in-process.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimEngine } from '../engines/sim';
import { serveSimKernel } from '../engines/remote-sim';
import { buildProgram } from '../cli';

let dir: string;
let sock: string;
let sim: SimEngine;
let server: { close(): Promise<void> };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-cli-'));
  sock = path.join(dir, 'sim.sock');
  sim = new SimEngine({ seed: 1, schedulers: ['rr', 'wrr', 'wlc'] });
  server = await serveSimKernel(sim, sock);
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Run one command in-process; stdout and stderr captured, exit code from process.exitCode. */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((stdout += String(t)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((stderr += String(t)), true));
  process.exitCode = 0;
  try {
    await buildProgram().parseAsync(['node', 'lvs-agent', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout, stderr, code };
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}
const engine = () => ['--engine', 'sim', '--sim-kernel', sock];
const rules = (w: number, sched = 'wrr') => `-A -t 10.0.0.1:80 -s ${sched}\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w ${w}\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1\n`;

describe('lvs-agent apply --json', () => {
  it('prints one object: ok, the ops, and where the time went', async () => {
    const r = await cli(['apply', '--desired', file('a.rules', rules(2)), '--yes', '--json', ...engine()]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['ok', 'ops', 'timings']);
    expect(j.ok).toBe(true);
    expect(j.ops.map((o: { op: string }) => o.op)).toEqual(['add-service', 'add-server', 'add-server']);
    expect(Object.keys(j.timings)).toEqual(['readMs', 'planMs', 'applyMs', 'verifyMs', 'totalMs']);
    for (const v of Object.values(j.timings)) expect(v).toEqual(expect.any(Number));
    expect(sim.printRules()).toBe(rules(2));
    // again: nothing to do, still one object
    expect(JSON.parse((await cli(['apply', '--desired', file('a.rules', rules(2)), '--yes', '--json', ...engine()])).stdout)).toMatchObject({ ok: true, ops: [] });
  });

  it('with --base, a weight change is planned against the base and only that service is read', async () => {
    const r = await cli(['apply', '--desired', file('b.rules', rules(7)), '--base', file('a.rules', rules(2)), '--yes', '--json', ...engine()]);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, ops: [{ op: 'edit-server', server: { address: '10.0.1.1', weight: 7 } }] });
    expect(sim.printRules()).toBe(rules(7));
    // a base that is wrong about that service: the read shows the truth and the plan follows it
    sim.applySync([
      {
        op: 'edit-server',
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.2', port: 80, forwarding: 'route', weight: 5, upperThreshold: 0, lowerThreshold: 0 },
      },
    ]);
    const k = JSON.parse((await cli(['apply', '--desired', file('c.rules', rules(3)), '--base', file('b.rules', rules(7)), '--yes', '--json', ...engine()])).stdout);
    expect(k.ops.map((o: { server: { address: string } }) => o.server.address)).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(sim.printRules()).toBe(rules(3));
  });

  it("a failed op: ok false, the ops applied before it, and ipvsadm's message; exit 1", async () => {
    const bad = `${rules(3)}-A -t 10.0.0.2:80 -s sed\n`;
    const r = await cli(['apply', '--desired', file('bad.rules', bad), '--yes', '--json', ...engine()]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, ops: [], failed: { command: 'ipvsadm -A -t 10.0.0.2:80 -s sed', message: expect.stringContaining('Scheduler') } });
    expect(j.timings.totalMs).toEqual(expect.any(Number));
  });
});

describe('lvs-agent stats', () => {
  it('prints one sample like ipvsadm -Ln --stats --exact / --rate --exact, or JSON with the read time', async () => {
    sim.hit({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, 8);
    sim.tick(2000);
    const text = (await cli(['stats', ...engine()])).stdout;
    expect(text.split('\n').slice(1, 3)).toEqual(['Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes', '  -> RemoteAddress:Port']);
    expect(text).toMatch(/^TCP  10\.0\.0\.1:80 +8 /m);
    expect((await cli(['stats', '--rate', ...engine()])).stdout).toContain('CPS    InPPS   OutPPS    InBPS   OutBPS');
    const j = JSON.parse((await cli(['stats', '--json', ...engine()])).stdout);
    expect(j.services[0]).toMatchObject({ service: { protocol: 'tcp', address: '10.0.0.1', port: 80 }, counters: { conns: 8 } });
    expect(j.timings.readMs).toEqual(expect.any(Number));
  });

  it('--samples N takes N samples in one process: with --json one line each, every one with its readMs', async () => {
    const out = (await cli(['stats', '--json', '--samples', '3', '--interval-ms', '20', ...engine()])).stdout.trim().split('\n');
    expect(out).toHaveLength(3);
    for (const line of out)
      expect(JSON.parse(line)).toMatchObject({ services: [expect.objectContaining({ service: { protocol: 'tcp', address: '10.0.0.1', port: 80 } })], timings: { readMs: expect.any(Number) } });
    const bad = await cli(['stats', '--samples', '0', ...engine()]).catch((e: Error) => ({ stdout: '', stderr: e.message, code: 2 }));
    expect(bad.stderr).toMatch(/--samples must be a whole number 1/);
  });

  it('--engine accepts auto (the default) and netlink, and refuses the unknown', async () => {
    const r = await cli(['stats', '--engine', 'nosuch']).catch((e: Error) => ({ stdout: '', stderr: e.message, code: 2 }));
    expect(r.stderr).toMatch(/Allowed choices are auto, netlink, ipvsadm, sim/);
  });
});
