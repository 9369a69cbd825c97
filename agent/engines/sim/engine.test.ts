// SimEngine as the agent sees it: the Engine interface, wall-clock mode, traffic control.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnEntry } from '@/lib/ipvs/stats';
import { SimEngine } from './index';
import { defaultKernelSysctls } from './kernel';
import { addServer, addService, server } from './test-ops';

const WEB = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;

async function collect(it: AsyncIterable<ConnEntry>): Promise<ConnEntry[]> {
  const out: ConnEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SimEngine', () => {
  it('states its facts', async () => {
    const f = await new SimEngine({ schedulers: ['rr', 'wlc'] }).facts();
    expect(f).toEqual({
      engine: 'sim',
      kernel: 'sim (Linux 6.1 IPVS semantics)',
      ipvsVersion: '1.2.1',
      ipvsadmVersion: null,
      connTableSize: 4096,
      schedulers: ['rr', 'wlc'],
      sysctls: defaultKernelSysctls(),
    });
  });

  it('follows the wall clock after start() and stops at close()', async () => {
    vi.useFakeTimers({ now: Date.UTC(2025, 5, 1, 20) });
    const sim = new SimEngine({ traffic: { defaults: { cps: 50, bursts: { perHour: 0 } } } });
    sim.applySync([addService({ ...WEB, scheduler: 'rr' }), addServer(WEB, server('10.0.1.1', 80))]);
    sim.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sim.now()).toBe(Date.UTC(2025, 5, 1, 20) + 10_000);
    const opened = sim.trafficStats().opened;
    expect(opened).toBeGreaterThan(200);
    const st = await sim.readStats();
    expect(st.at).toBe(sim.now());
    expect(st.services[0]!.rates.cps).toBeGreaterThan(0);
    await sim.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sim.trafficStats().opened).toBe(opened);
  });

  it('setTraffic none stops new connections; live ones run their course', () => {
    const sim = new SimEngine({ clock: () => Date.UTC(2025, 0, 1), traffic: { defaults: { cps: 40, lifetime: 2 } } });
    sim.applySync([addService({ ...WEB, scheduler: 'rr' }), addServer(WEB, server('10.0.1.1', 80))]);
    sim.tick(5000);
    const opened = sim.trafficStats().opened;
    sim.setTraffic('none');
    sim.tick(30_000);
    expect(sim.trafficStats().opened).toBe(opened);
    expect(sim.trafficStats().liveFlows).toBe(0);
    sim.setTraffic({ services: [{ match: 'TCP 10.0.0.1:80', traffic: 'off' }] });
    sim.tick(5000);
    expect(sim.trafficStats().opened).toBe(opened);
    sim.setTraffic({ services: [{ match: 'tcp|10.0.0.1|80', traffic: { cps: 10 } }] });
    sim.tick(5000);
    expect(sim.trafficStats().opened).toBeGreaterThan(opened);
  });

  it('streams connections with filters, templates flagged', async () => {
    const sim = new SimEngine();
    sim.applySync([addService({ ...WEB, scheduler: 'rr', persistence: { timeout: 60 } }), addServer(WEB, server('10.0.1.1', 80)), addServer(WEB, server('10.0.1.2', 80))]);
    sim.hit(WEB, 3, '192.0.2.1');
    sim.hit(WEB, 2, '192.0.2.2');
    expect(await collect(sim.connections())).toHaveLength(7);
    expect((await collect(sim.connections({ templates: 'only' }))).every((e) => e.template && e.clientPort === 0)).toBe(true);
    expect(await collect(sim.connections({ templates: 'exclude', client: '192.0.2.0/31' }))).toHaveLength(3);
    expect(await collect(sim.connections({ state: 'fin_wait' }))).toHaveLength(5); // DR: INPUT-ONLY
    const d = (await collect(sim.connections({ client: '192.0.2.2', templates: 'exclude' })))[0]!.destAddress;
    expect((await collect(sim.connections({ dest: d }))).length).toBeGreaterThanOrEqual(3);
  });

  it('prints what ipvsadm prints: -Sn, --timeout, --daemon, --thresholds', () => {
    const sim = new SimEngine();
    sim.applySync([
      addService({ ...WEB, scheduler: 'wlc' }),
      addServer(WEB, server('10.0.1.1', 80, { upperThreshold: 100, lowerThreshold: 50 })),
      { op: 'start-daemon', daemon: { state: 'master', interface: 'lo', syncId: 7 } },
    ]);
    expect(sim.printRules()).toBe('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n');
    expect(sim.printTimeouts()).toBe('Timeout (tcp tcpfin udp): 900 120 300\n');
    expect(sim.printDaemons()).toBe('master sync daemon (mcast=lo, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n');
    expect(sim.printList({ thresholds: true })).toContain(`  -> ${'10.0.1.1:80'.padEnd(28)} 100        50         0          0         \n`);
    expect(() => sim.printList({ service: { protocol: 'tcp', address: '10.0.0.99', port: 80 } })).toThrow('No such service');
  });
});
