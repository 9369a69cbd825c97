// Targeted reconcile: a pass that applies K ops reads and verifies only the K touched services, on
// every engine. Proved by counting what the engines are asked (the sim: scoped reads and their
// size; ipvsadm, through a sim-backed fake: processes and the services each one lists) at two table
// sizes: the counts depend on K, never on N.
import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema, type DirectorConfig, type DirectorConfigInput } from '@/lib/ipvs/model';
import { configHash } from '@/lib/ipvs/hash';
import { opToCommandLine } from '@/lib/ipvs/ops';
import type { DesiredRevision, Report } from '@/lib/protocol/messages';
import { SimEngine } from './engines/sim';
import type { Engine } from './engines/engine';
import { IpvsadmEngine } from './engines/ipvsadm';
import { Reconciler, type PassOutcome } from './reconcile';
import { silentLogger } from './log';
import { simIpvsadm } from './testing/sim-ipvsadm';
import { mergeScopedRead, touchedServices } from './scoped-read';
import { countedReads } from './testing/counted-engine';

/** n services × 3 real servers; `weights` overrides the first server's weight of service i. */
function table(n: number, weights: Record<number, number> = {}): DirectorConfigInput {
  return {
    services: Array.from({ length: n }, (_, i) => ({
      protocol: i % 7 === 3 ? 'udp' : 'tcp',
      address: `10.${Math.floor(i / 250)}.${i % 250}.1`,
      port: 80,
      scheduler: 'wrr',
      realServers: [1, 2, 3].map((r) => ({ address: `10.200.${i % 250}.${r}`, weight: r === 1 ? (weights[i] ?? 1) : r, ...(r === 3 ? { upperThreshold: 50 } : {}) })),
    })),
  } as DirectorConfigInput;
}
function rev(n: number, input: DirectorConfigInput): DesiredRevision {
  const config = DirectorConfigSchema.parse(input);
  return { cluster: 'c', revision: n, hash: configHash(config), createdAt: new Date().toISOString(), driftPolicy: 'enforce', config };
}

/** Any engine, with every readConfig counted: full reads, scoped reads and the services asked for. */
const counted = countedReads;

function reconciler(engine: Engine) {
  const reports: Report[] = [];
  const r = new Reconciler({ engine, store: null, report: (x) => reports.push(x), log: silentLogger, retry: { baseMs: 10, maxMs: 10 } });
  /** setDesired and wait for the pass it starts (a runPass() would add a full "requested" pass). */
  const push = (d: DesiredRevision) =>
    new Promise<PassOutcome>((resolve) => {
      r.onPass = resolve;
      r.setDesired(d);
    });
  return { r, reports, push };
}

describe('a K-op change reads O(K), not O(N)', () => {
  async function simPass(n: number, changed: number[]) {
    const sim = new SimEngine({ seed: 1 });
    const c = counted(sim);
    const { r, push } = reconciler(c.engine);
    expect((await push(rev(1, table(n)))).kind).toBe('applied'); // startup: one full read, then scoped verify
    c.reads.full = c.reads.scoped = c.reads.services = 0;
    const out = await push(rev(2, table(n, Object.fromEntries(changed.map((i) => [i, 9])))));
    expect(out.kind).toBe('applied');
    const live = await sim.readConfig();
    expect(live.services.filter((s) => s.realServers[0]!.weight === 9)).toHaveLength(changed.length);
    expect(r.live).toEqual(live); // the picture stayed exact
    return { ...c.reads, ops: out.kind === 'applied' ? out.ops.length : 0 };
  }

  it('sim engine: one scoped read before and one after, each of the K touched services', async () => {
    for (const n of [30, 300]) {
      expect(await simPass(n, [5])).toEqual({ full: 0, scoped: 2, services: 2, ops: 1 });
      expect(await simPass(n, [1, 2, 20])).toEqual({ full: 0, scoped: 2, services: 6, ops: 3 });
    }
  });

  async function ipvsadmPass(n: number, changed: number[]) {
    const sim = new SimEngine({ seed: 1 });
    const fake = simIpvsadm(sim);
    const engine = new IpvsadmEngine({ exec: fake.exec, procNet: null });
    const { r, push } = reconciler(engine);
    expect((await push(rev(1, table(n)))).kind).toBe('applied');
    fake.calls.length = 0;
    const out = await push(rev(2, table(n, Object.fromEntries(changed.map((i) => [i, 9])))));
    expect(out.kind).toBe('applied');
    // the ipvsadm engine alone does not read /proc/sys (withSysctls adds that): the sim's settings are not in its picture
    const { sysctls: _settings, ...globals } = (await sim.readConfig()).globals;
    expect(r.live).toEqual({ ...(await sim.readConfig()), globals });
    const lines = fake.calls.flatMap((c) => (c.argv[0] === '-R' ? c.stdin!.split('\n').filter(Boolean) : [c.argv.join(' ')]));
    return {
      processes: fake.calls.length,
      fullListings: lines.filter((l) => l === '-S -n' || l === '-L -n --thresholds').length,
      listedServices: lines.filter((l) => l.startsWith('-L -n --tun-info ')).length,
      applied: lines.filter((l) => /^-[aedAED] /.test(l)),
    };
  }

  it('ipvsadm engine: three processes (read, apply, verify) listing the K touched services twice', async () => {
    for (const n of [30, 300]) {
      expect(await ipvsadmPass(n, [5])).toEqual({ processes: 3, fullListings: 0, listedServices: 2, applied: ['-e -t 10.0.5.1:80 -r 10.200.5.1:80 -g -w 9'] });
      const three = await ipvsadmPass(n, [1, 2, 20]);
      expect(three).toMatchObject({ processes: 3, fullListings: 0, listedServices: 6 });
      expect(three.applied).toHaveLength(3);
    }
  });

  it('ipvsadm engine: a scoped read equals the full read of those services, absent ones included', async () => {
    const sim = new SimEngine({ seed: 1 });
    const cfg = DirectorConfigSchema.parse({
      globals: { timeouts: { tcp: 800, tcpfin: 100, udp: 200 } },
      services: [
        ...table(3).services!,
        {
          protocol: 'fwmark',
          fwmark: 7,
          family: 'inet6',
          persistence: { timeout: 60 },
          realServers: [{ address: '2001:db8::1', forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 5555, tunnelChecksum: 'csum' }],
        },
        {
          protocol: 'tcp',
          address: '2001:db8::5',
          port: 443,
          scheduler: 'sh',
          schedFlags: ['sh-port'],
          realServers: [{ address: '2001:db8::9', forwarding: 'masq', lowerThreshold: 3, upperThreshold: 9 }],
        },
      ],
    } as DirectorConfigInput);
    const { plan } = await import('@/lib/ipvs/plan');
    expect(sim.applySync(plan(cfg, await sim.readConfig())).ok).toBe(true);
    const fake = simIpvsadm(sim);
    const engine = new IpvsadmEngine({ exec: fake.exec, procNet: null });
    const full = await engine.readConfig();
    const keys = full.services.map((s) => s).reverse();
    const absent = [
      { protocol: 'tcp' as const, address: '10.9.9.9', port: 80 },
      { protocol: 'udp' as const, address: '10.9.9.8', port: 53 },
    ];
    fake.calls.length = 0;
    const scope = { services: [absent[0]!, ...keys.slice(0, 2), absent[1]!, ...keys.slice(2)] };
    const scoped = await engine.readConfig(scope);
    expect(scoped).toEqual(full);
    expect(fake.calls).toHaveLength(3); // one per absent service, plus one
    // patching an old picture with it gives the whole table back
    const stale: DirectorConfig = { ...full, services: full.services.slice(1) };
    expect(mergeScopedRead(stale, scoped, scope)).toEqual(full);
  });
});

describe('targeted passes stay correct', () => {
  it('plans against the picture, then confirms the touched services: a hand edit there is seen and corrected', async () => {
    const sim = new SimEngine({ seed: 1 });
    const { push, reports } = reconciler(sim);
    await push(rev(1, table(20)));
    // by hand: service 4's first server to weight 3 (the picture still says 1)
    const edit = DirectorConfigSchema.parse(table(20, { 4: 3 })).services.find((x) => x.protocol === 'tcp' && x.address === '10.0.4.1')!;
    expect(sim.applySync([{ op: 'edit-server', service: edit, server: { ...edit.realServers[0]!, port: 80 } }]).ok).toBe(true);
    // revision 2 changes service 4's second server: the pass reads service 4 and sees the drift too
    const input = table(20);
    (input.services![4]!.realServers![1] as { weight: number }).weight = 8;
    const out = await push(rev(2, input));
    expect(out.kind).toBe('applied');
    expect(out.kind === 'applied' && out.ops.map(opToCommandLine)).toEqual(['ipvsadm -e -t 10.0.4.1:80 -r 10.200.4.1:80 -g -w 1', 'ipvsadm -e -t 10.0.4.1:80 -r 10.200.4.2:80 -g -w 8']);
    expect(await sim.readConfig()).toEqual(expect.objectContaining({ services: DirectorConfigSchema.parse(input).services }));
    expect(reports.filter((x) => x.type === 'ack').map((x) => x.type === 'ack' && x.revision)).toEqual([1, 2]);
  });

  it('a drift elsewhere is found by the next full pass (timer), not by the targeted one', async () => {
    const sim = new SimEngine({ seed: 1 });
    const { r, push } = reconciler(sim);
    await push(rev(1, table(10)));
    const s7 = DirectorConfigSchema.parse(table(10)).services[7]!;
    expect(sim.applySync([{ op: 'delete-service', service: s7 }]).ok).toBe(true);
    const out = await push(rev(2, table(10, { 2: 4 })));
    expect(out.kind === 'applied' && out.ops.length).toBe(1); // only service 2 was looked at
    const timer = await r.runPass('timer');
    expect(timer.kind).toBe('applied'); // the full read finds service 7 gone and puts it back
    expect(await sim.readConfig()).toEqual(expect.objectContaining({ services: DirectorConfigSchema.parse(table(10, { 2: 4 })).services }));
  });

  it('touchedServices names each service once, director-wide ops none', () => {
    const cfg = DirectorConfigSchema.parse(table(2));
    const [a, b] = cfg.services;
    const ops = [
      { op: 'set-timeouts' as const, timeouts: { tcp: 1, tcpfin: 2, udp: 3 } },
      { op: 'edit-server' as const, service: a!, server: { ...a!.realServers[0]!, port: 80 } },
      { op: 'delete-service' as const, service: b! },
      { op: 'delete-server' as const, service: a!, server: { address: '10.200.0.2', port: 80 } },
    ];
    expect(touchedServices(ops)).toEqual([
      { protocol: 'tcp', address: a!.protocol === 'fwmark' ? '' : a!.address, port: 80 },
      { protocol: 'tcp', address: b!.protocol === 'fwmark' ? '' : b!.address, port: 80 },
    ]);
  });
});
