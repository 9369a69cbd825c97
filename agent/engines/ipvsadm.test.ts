// The ipvsadm engine against a scripted fake ipvsadm (no kernel needed): what it runs (argv, stdin,
// one process per read and per plan), how it words startup failures, and its fallback for builds
// whose -R does not run list commands. Its behaviour against the real kernel is proven by
// test/conformance/kernel.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import { opsToRestoreBatch } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import { EngineUnavailableError } from './engine';
import { IpvsadmEngine, splitAtBanners, splitConfigRead, firstMissingEffect } from './ipvsadm';
import { applyOps } from '@/lib/ipvs/ops';

const SAVE = '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n';
const THRESHOLDS = [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ',
  '  -> RemoteAddress:Port',
  'TCP  10.0.0.1:80 rr',
  '  -> 10.0.1.1:80                  100        50         0          0         ',
  '',
].join('\n');
const TIMEOUT = 'Timeout (tcp tcpfin udp): 800 100 200\n';
const DAEMON = 'master sync daemon (mcast=lo, syncid=3, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n';
const VERSION = 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n';

interface Rule {
  /** argv joined with spaces must equal this */
  argv: string;
  stdout?: string;
  stderr?: string;
  code?: number;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-ipvsadm-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fake ipvsadm: answers by argv from a rule list, logs every call (argv + stdin) as JSON lines. */
function fake(rules: Rule[]): { bin: string; calls: () => { argv: string[]; stdin: string }[] } {
  const bin = path.join(dir, 'ipvsadm');
  const log = path.join(dir, 'calls.jsonl');
  fs.writeFileSync(path.join(dir, 'rules.json'), JSON.stringify(rules));
  fs.writeFileSync(
    bin,
    `#!${process.execPath}
const fs = require('fs');
const argv = process.argv.slice(2);
const stdin = fs.readFileSync(0, 'utf8');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, stdin }) + '\\n');
const rule = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'rules.json'))}, 'utf8')).find((r) => r.argv === argv.join(' '));
if (!rule) { process.stderr.write('fake: no rule for ' + argv.join(' ') + '\\n'); process.exit(99); }
process.stdout.write(rule.stdout || '');
process.stderr.write(rule.stderr || '');
process.exit(rule.code || 0);
`,
    { mode: 0o755 },
  );
  return {
    bin,
    calls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
  };
}

const batchedRead: Rule = { argv: '-R', stdout: SAVE + THRESHOLDS + TIMEOUT + DAEMON };

describe('IpvsadmEngine (fake ipvsadm)', () => {
  it('reads everything with one process and merges what -S does not save', async () => {
    const f = fake([batchedRead, { argv: '--version', stdout: VERSION }]);
    const e = new IpvsadmEngine({ bin: f.bin, procNet: null });
    const config = await e.readConfig();
    expect(config).toEqual(
      DirectorConfigSchema.parse({
        globals: { timeouts: { tcp: 800, tcpfin: 100, udp: 200 }, syncDaemons: [{ state: 'master', interface: 'lo', syncId: 3 }] },
        services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'rr', realServers: [{ address: '10.0.1.1', upperThreshold: 100, lowerThreshold: 50 }] }],
      }),
    );
    expect(f.calls()).toEqual([{ argv: ['-R'], stdin: '-S -n\n-L -n --thresholds\n-L -n --timeout\n-L -n --daemon\n' }]);
    const facts = await e.facts();
    expect(facts).toMatchObject({ engine: 'ipvsadm', ipvsVersion: '1.2.1', ipvsadmVersion: 'v1.31', connTableSize: 4096 });
  });

  it('falls back to one call per listing when -R does not run list commands, and remembers it', async () => {
    const f = fake([
      { argv: '-R', stdout: '' },
      { argv: '-S -n', stdout: SAVE },
      { argv: '-L -n --thresholds', stdout: THRESHOLDS },
      { argv: '-L -n --timeout', stdout: TIMEOUT },
      { argv: '-L -n --daemon', stdout: '' },
    ]);
    const e = new IpvsadmEngine({ bin: f.bin, procNet: null });
    const a = await e.readConfig();
    const b = await e.readConfig();
    expect(a).toEqual(b);
    expect(a.services[0]!.realServers[0]!.upperThreshold).toBe(100);
    expect(f.calls().map((c) => c.argv.join(' '))).toEqual([
      '-R',
      '-S -n',
      '-L -n --thresholds',
      '-L -n --timeout',
      '-L -n --daemon',
      '-S -n',
      '-L -n --thresholds',
      '-L -n --timeout',
      '-L -n --daemon',
    ]);
  });

  it('applies a plan as exactly one -R batch after one read', async () => {
    const f = fake([batchedRead]);
    const e = new IpvsadmEngine({ bin: f.bin, procNet: null });
    const live = await e.readConfig();
    const desired = DirectorConfigSchema.parse({
      ...live,
      services: [
        { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', realServers: [{ address: '10.0.1.1', weight: 4, upperThreshold: 100, lowerThreshold: 50 }, { address: '10.0.1.2' }] },
      ],
    });
    const ops = plan(desired, live);
    expect(ops).toHaveLength(3);
    // the batch itself is answered by the same "-R" rule (exit 0, output ignored)
    expect(await e.apply(ops)).toEqual({ ok: true, applied: 3 });
    const calls = f.calls();
    expect(calls).toHaveLength(3);
    expect(calls[2]).toEqual({ argv: ['-R'], stdin: opsToRestoreBatch(ops) });
    expect(calls[2]!.stdin).toBe('-E -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1\n-e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 4 -x 100 -y 50\n');
  });

  it("does not send an op it can foresee failing: the batch stops before it and the op runs alone for ipvsadm's message", async () => {
    const f = fake([batchedRead, { argv: '-A -t 10.0.0.1:80 -s wlc', stderr: 'Service already exists\n', code: 255 }]);
    const e = new IpvsadmEngine({ bin: f.bin, procNet: null });
    const live = await e.readConfig();
    const add = plan(DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.2', port: 80 }] }), DirectorConfigSchema.parse({}));
    const dup = plan(DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80 }] }), DirectorConfigSchema.parse({}));
    const r = await e.apply([...add, ...dup, ...add.map((o) => ({ ...o }))]);
    expect(r).toMatchObject({ ok: false, applied: 1, command: 'ipvsadm -A -t 10.0.0.1:80 -s wlc', message: 'Service already exists', exitCode: 255 });
    const calls = f
      .calls()
      .slice(1)
      .map((c) => [c.argv.join(' '), c.stdin]);
    expect(calls).toEqual([
      ['-R', READ_STDIN],
      ['-R', '-A -t 10.0.0.2:80 -s wlc\n'],
      ['-A -t 10.0.0.1:80 -s wlc', ''],
    ]);
    expect(live.services).toHaveLength(1);
  });

  it('words startup failures so an operator knows what to do', async () => {
    await expect(new IpvsadmEngine({ bin: path.join(dir, 'nope') }).facts()).rejects.toThrow(
      new EngineUnavailableError(`ipvsadm not found: ${path.join(dir, 'nope')} (install the ipvsadm package, or pass --ipvsadm PATH)`),
    );
    const eperm = fake([
      { argv: '--version', stdout: VERSION },
      { argv: '-R', stderr: "Can't initialize ipvs: Permission denied (you must be root)\nAre you sure that IP Virtual Server is built in the kernel or as module?\n", code: 2 },
    ]);
    await expect(new IpvsadmEngine({ bin: eperm.bin, procNet: null }).facts()).rejects.toThrow(/ipvsadm needs root \(or CAP_NET_ADMIN\) to talk to IPVS.*Permission denied/);
    fs.rmSync(path.join(dir, 'calls.jsonl'), { force: true });
    const noipvs = fake([
      { argv: '--version', stdout: VERSION },
      { argv: '-R', stderr: "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n", code: 2 },
    ]);
    await expect(new IpvsadmEngine({ bin: noipvs.bin, procNet: null }).facts()).rejects.toThrow(
      /IPVS is not available in this kernel \(try: modprobe ip_vs\): Can't initialize ipvs: Protocol not available/,
    );
    const notIpvsadm = fake([{ argv: '--version', stdout: 'busybox v1.36\n' }]);
    await expect(new IpvsadmEngine({ bin: notIpvsadm.bin, procNet: null }).facts()).rejects.toThrow(/ipvsadm --version output/);
  });
});

const READ_STDIN = '-S -n\n-L -n --thresholds\n-L -n --timeout\n-L -n --daemon\n';

describe('batched read splitting', () => {
  it('splits the four parts and refuses output that is not what it asked for', () => {
    expect(splitConfigRead(SAVE + THRESHOLDS + TIMEOUT + DAEMON)).toEqual({ save: SAVE.trimEnd(), thresholds: THRESHOLDS, timeout: TIMEOUT, daemon: `${DAEMON}` });
    expect(splitConfigRead(THRESHOLDS + TIMEOUT)).toMatchObject({ save: '', daemon: '' });
    expect(splitConfigRead(SAVE)).toBeNull();
    expect(splitConfigRead(`garbage\n${THRESHOLDS}${TIMEOUT}`)).toBeNull();
    expect(splitAtBanners(`${THRESHOLDS}${THRESHOLDS}`)).toEqual([THRESHOLDS, THRESHOLDS]);
  });
});

describe('firstMissingEffect', () => {
  const before = DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1' }] }] });
  const desired = DirectorConfigSchema.parse({
    services: [
      { protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1', weight: 3 }, { address: '10.0.1.2' }] },
      { protocol: 'udp', address: '10.0.0.2', port: 53, realServers: [{ address: '10.0.2.1' }] },
    ],
  });
  const ops = plan(desired, before);

  it('names the first op whose effect is missing, whatever ran after it', () => {
    expect(firstMissingEffect(before, ops, applyOps(before, ops))).toBeNull();
    for (let k = 0; k < ops.length; k++) {
      // op k failed; any subset of the later ones worked (those whose service exists)
      const later = ops.slice(k + 1).filter((o, i) => i % 2 === 0);
      let after = applyOps(before, ops.slice(0, k));
      for (const o of later) {
        try {
          after = applyOps(after, [o]);
        } catch {
          // depends on the failed op (e.g. add-server of a service that was not added)
        }
      }
      const r = firstMissingEffect(before, ops, after);
      expect(r?.index, `op ${k} failed`).toBe(k);
      expect(r?.stateBefore).toEqual(applyOps(before, ops.slice(0, k)));
    }
  });
});

describe('stats and applies do not wait for each other', () => {
  it('an apply finishes while a stats listing is still running', async () => {
    const { SimEngine } = await import('./sim');
    const { simIpvsadm } = await import('../testing/sim-ipvsadm');
    const sim = new SimEngine({ seed: 1 });
    const fake = simIpvsadm(sim);
    let releaseStats!: () => void;
    const statsGate = new Promise<void>((r) => (releaseStats = r));
    const engine = new IpvsadmEngine({
      procNet: null,
      exec: async (argv, stdin) => {
        if (stdin?.includes('--stats')) await statsGate; // a slow stats listing
        return fake.exec(argv, stdin);
      },
    });
    const stats = engine.readStats();
    const desired = DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1' }] }] });
    const r = await engine.apply(plan(desired, await engine.readConfig()));
    expect(r).toEqual({ ok: true, applied: 2 });
    let statsDone = false;
    void stats.then(() => (statsDone = true));
    await new Promise((res) => setTimeout(res, 10));
    expect(statsDone).toBe(false); // the apply did not wait for it
    releaseStats();
    expect((await stats).services).toHaveLength(1);
  });
});
