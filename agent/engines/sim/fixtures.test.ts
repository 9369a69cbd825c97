// Replays what the real kernel did in ../shared/fixtures/ipvsadm/2xx (Debian 6.1, ipvsadm 1.31):
// same commands, same traffic, same outcome.
import { describe, expect, it } from 'vitest';
import type { ConnEntry } from '@/lib/ipvs/stats';
import { fixture } from '@/lib/ipvs/__fixtures__/load';
import { SimEngine } from './index';
import { addServer, addService, editServer, editService, server } from './test-ops';
import { PERSISTENCE_TEMPLATE } from '@/lib/ipvs/__fixtures__/builders';

const VIP = { protocol: 'tcp', address: '10.10.0.1', port: 80 } as const;
const RS = ['10.20.1.2', '10.20.2.2', '10.20.3.2'];
const named = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([k, v]) => [k === '-' ? '-' : `rs${RS.indexOf(k.replace(/:80$/, '')) + 1}`, v]));

async function all(sim: SimEngine): Promise<ConnEntry[]> {
  const out: ConnEntry[] = [];
  for await (const e of sim.connections()) out.push(e);
  return out;
}

describe('the real-traffic fixtures (200-236)', () => {
  it('201-219: wrr 1/2/3, quiesce, rr, persistence, -Z — as the kernel did it', async () => {
    const sim = new SimEngine({ seed: 7 });
    // 201
    const r = await sim.apply([addService({ ...VIP, scheduler: 'wrr' }), ...RS.map((a, i) => addServer(VIP, server(a, 80, { forwarding: 'masq', weight: i + 1 })))]);
    expect(r).toEqual({ ok: true, applied: 4 });
    expect(sim.printList()).toBe(fixture('201_traffic_add_service').stdout);

    // 202: 30 requests -> 5 / 10 / 15
    expect(named(sim.hit(VIP, 30))).toEqual({ rs1: 5, rs2: 10, rs3: 15 });

    // 204/214: counters are the estimator's snapshot: nothing yet, all of it after the next 2 s pass
    expect((await sim.readStats()).services[0]!.counters.conns).toBe(0);
    sim.tick(2000);
    const st = (await sim.readStats()).services[0]!;
    expect(st.counters.conns).toBe(30);
    expect(st.realServers.map((d) => d.counters.conns)).toEqual([5, 10, 15]);
    expect(st.counters.inPkts).toBeGreaterThan(30 * 4);
    expect(st.counters.outPkts).toBeGreaterThan(30 * 3); // NAT: replies pass the director

    // 207/211: 30 TIME_WAIT entries (NAT: client FIN, server FIN), all inactive, ~2 min left
    const conns = await all(sim);
    expect(conns).toHaveLength(30);
    expect(new Set(conns.map((c) => c.state))).toEqual(new Set(['TIME_WAIT']));
    expect(conns.every((c) => c.expires === 118 && c.clientAddress === '10.30.0.2' && c.virtualAddress === '10.10.0.1')).toBe(true);
    expect(st.realServers.map((d) => [d.activeConns, d.inactConns])).toEqual([
      [0, 5],
      [0, 10],
      [0, 15],
    ]);
    expect(sim.printProc('ip_vs')).toBe(fixture('211_traffic_proc_ip_vs').stdout); // kernel order: newest first

    // 213: quiesce rs3, 12 more -> 4 / 8
    expect((await sim.apply([editServer(VIP, server(RS[2]!, 80, { forwarding: 'masq', weight: 0 }))])).ok).toBe(true);
    expect(named(sim.hit(VIP, 12))).toEqual({ rs1: 4, rs2: 8 });

    // 215: rr, rs3 back at weight 1 -> 3 / 3 / 3
    await sim.apply([editService({ ...VIP, scheduler: 'rr' }), editServer(VIP, server(RS[2]!, 80, { forwarding: 'masq', weight: 1 }))]);
    expect(named(sim.hit(VIP, 9))).toEqual({ rs1: 3, rs2: 3, rs3: 3 });

    // 216: -p 60 (same scheduler, so the rr cursor carries on to rs3): all 10 to rs3, one ASSURED template
    await sim.apply([editService({ ...VIP, scheduler: 'rr', persistence: { timeout: 60 } })]);
    expect(named(sim.hit(VIP, 10))).toEqual({ rs3: 10 });
    sim.tick(300); // the listing runs a moment later
    const tpl = (await all(sim)).filter((c) => c.state !== 'TIME_WAIT');
    expect(tpl).toEqual([PERSISTENCE_TEMPLATE]);
    const notTimeWait = sim
      .printConnList()
      .split('\n')
      .filter((l) => !l.includes('TIME_WAIT'))
      .join('\n');
    expect(notTimeWait).toBe(fixture('216_traffic_persistence').stdout.split('\n').slice(1).join('\n'));
    const persist = (await sim.readStats()).services[0]!.realServers.map((d) => d.persistConns);
    expect(persist).toEqual([0, 0, 1]);

    // 218: rates after the traffic are non-zero, then 219: -Z zeroes counters and rates
    sim.tick(3000);
    expect((await sim.readStats()).services[0]!.rates.cps).toBeGreaterThan(0);
    expect(sim.zero()).toEqual({ ok: true });
    const z = await sim.readStats();
    expect(z.services[0]!.counters).toEqual({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });
    expect(z.services[0]!.rates).toEqual({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });
    expect(z.totals.counters.conns).toBe(0);
    expect(sim.printList({ stats: true })).toBe(fixture('219_traffic_zero').stdout);
    expect(sim.printList({ stats: true, exact: true })).toBe(fixture('219_traffic_zero').stdout);
  });

  it('230-235: IPv6 NAT service, wrr 1/2/3 over 12 requests, TIME_WAIT entries in brackets-free canonical form', async () => {
    const sim = new SimEngine();
    const v6 = { protocol: 'tcp', address: '2001:db8:10::1', port: 80 } as const;
    await sim.apply([addService({ ...v6, scheduler: 'wrr' }), ...[1, 2, 3].map((i) => addServer(v6, server(`2001:db8:20:${i}::2`, 80, { forwarding: 'masq', weight: i })))]);
    expect(sim.printList({ service: v6 })).toBe(fixture('230_traffic6_add_service').stdout);
    const counts = sim.hit(v6, 12, '2001:db8:30::2');
    expect(counts).toEqual({ '[2001:db8:20:1::2]:80': 2, '[2001:db8:20:2::2]:80': 4, '[2001:db8:20:3::2]:80': 6 });
    sim.tick(2500);
    const st = (await sim.readStats()).services[0]!;
    expect(st.realServers.map((d) => d.counters.conns)).toEqual([2, 4, 6]);
    const e = (await all(sim))[0]!;
    expect(e).toMatchObject({ protocol: 'TCP', clientAddress: '2001:db8:30::2', virtualAddress: '2001:db8:10::1', state: 'TIME_WAIT' });
  });
});
