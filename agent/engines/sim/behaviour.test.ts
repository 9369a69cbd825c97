// Kernel behaviour through the engine: persistence, weight 0 vs delete, thresholds, connection
// states and expiry, the estimator, health, determinism and the readback.
import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import type { ConnEntry, ConnFilter } from '@/lib/ipvs/stats';
import { SimEngine } from './index';
import { addServer, addService, deleteServer, deleteService, editServer, editService, server } from './test-ops';

const WEB = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
const A = '10.0.1.1';
const B = '10.0.1.2';
const C = '10.0.1.3';

async function list(sim: SimEngine, filter: Partial<ConnFilter> = {}): Promise<ConnEntry[]> {
  const out: ConnEntry[] = [];
  for await (const e of sim.connections(filter)) out.push(e);
  return out;
}

/** How many connections are listed after `ms` more of simulated time. */
async function connsAfter(sim: SimEngine, ms: number): Promise<number> {
  sim.tick(ms);
  return (await list(sim)).length;
}

async function dest(sim: SimEngine, address: string, svc = 0) {
  return (await sim.readStats()).services[svc]!.realServers.find((d) => d.address === address)!;
}

function webWith(sim: SimEngine, extra: Record<string, unknown> = {}, servers: string[] = [A, B, C], fwd: 'route' | 'masq' = 'masq') {
  const r = sim.applySync([addService({ ...WEB, scheduler: 'rr', ...extra }), ...servers.map((a) => addServer(WEB, server(a, 80, { forwarding: fwd })))]);
  expect(r.ok).toBe(true);
}

describe('persistence', () => {
  it('sends every connection of one client to one server; other clients are spread', () => {
    const sim = new SimEngine();
    webWith(sim, { persistence: { timeout: 300 } });
    for (let c = 1; c <= 6; c++) expect(Object.keys(sim.hit(WEB, 20, `192.0.2.${c}`))).toHaveLength(1);
    const first = new Set([1, 2, 3].map((c) => sim.request(WEB, `192.0.2.${c}`).dest));
    expect(first.size).toBe(3); // rr across clients, each pinned
  });

  it('-M groups a netmask of clients onto one template', async () => {
    const sim = new SimEngine();
    webWith(sim, { persistence: { timeout: 300, netmask: '255.255.255.0' } });
    const where = new Set(Array.from({ length: 30 }, (_, i) => sim.request(WEB, `198.51.100.${i + 1}`).dest));
    expect(where.size).toBe(1);
    const other = sim.request(WEB, '198.51.101.7').dest;
    expect(other).not.toBe([...where][0]);
    const tpl = await list(sim, { templates: 'only' });
    expect(tpl.map((t) => `${t.clientAddress}:${t.clientPort}`).sort()).toEqual(['198.51.100.0:0', '198.51.101.0:0']);
  });

  it('an IPv6 service masks by prefix length', async () => {
    const sim = new SimEngine();
    const v6 = { protocol: 'tcp', address: '2001:db8::1', port: 443 } as const;
    sim.applySync([addService({ ...v6, scheduler: 'rr', persistence: { timeout: 120, netmask: '64' } }), addServer(v6, server('2001:db8::10', 443)), addServer(v6, server('2001:db8::11', 443))]);
    expect(new Set(['2001:db8:1:2::5', '2001:db8:1:2::77', '2001:db8:1:2:ffff::1'].map((c) => sim.request(v6, c).dest)).size).toBe(1);
    expect((await list(sim, { templates: 'only' }))[0]!.clientAddress).toBe('2001:db8:1:2::');
  });

  it('a fwmark template (protocol IP, the mark as address) covers every port of the mark', async () => {
    const sim = new SimEngine();
    const fwm = { protocol: 'fwmark', fwmark: 10, family: 'inet' } as const;
    sim.applySync([addService({ ...fwm, scheduler: 'rr', persistence: { timeout: 300 } }), addServer(fwm, server(A, 0)), addServer(fwm, server(B, 0))]);
    const to = (port: number) => ({ protocol: 'tcp' as const, address: '198.51.100.10', port, fwmark: 10 });
    const dests = new Set([80, 443, 8080, 80, 443].map((p) => sim.request(to(p), '192.0.2.50').dest!.split(':')[0]));
    expect(dests.size).toBe(1);
    const tpl = await list(sim, { templates: 'only' });
    expect(tpl).toHaveLength(1);
    expect(tpl[0]).toMatchObject({ protocol: 'IP', clientAddress: '192.0.2.50', clientPort: 0, virtualAddress: '0.0.0.10', virtualPort: 0, destPort: 0, state: 'ASSURED' });
    // the real connections keep the client's destination port (persistent fwmark: dport = packet's port)
    expect(new Set((await list(sim, { templates: 'exclude' })).map((e) => e.destPort))).toEqual(new Set([80, 443, 8080]));
  });

  it('a template outlives its timeout while it controls a connection (re-armed 60 s at a time), then expires', async () => {
    const sim = new SimEngine();
    webWith(sim, { persistence: { timeout: 30 } });
    const held = sim.request(WEB, '192.0.2.9', { hold: true });
    sim.tick(31_000);
    const [tpl] = await list(sim, { templates: 'only' });
    expect(tpl).toMatchObject({ state: 'ASSURED' });
    expect(tpl!.expires).toBeGreaterThan(50); // re-armed for 60 s at the 30 s mark
    sim.tick(120_000);
    expect(await list(sim, { templates: 'only' })).toHaveLength(1); // still controlling the ESTABLISHED connection
    held.close(); // -> TIME_WAIT 120 s; the template re-arms until that entry is gone
    sim.tick(120_000);
    expect(await list(sim, { templates: 'exclude' })).toHaveLength(0);
    sim.tick(61_000);
    expect(await list(sim, { templates: 'only' })).toHaveLength(0);
    expect((await dest(sim, held.dest!.split(':')[0]!)).persistConns).toBe(0);
  });

  it('a new timeout from -E applies to templates made afterwards only', async () => {
    const sim = new SimEngine();
    webWith(sim, { persistence: { timeout: 100 } });
    sim.request(WEB, '192.0.2.1');
    sim.applySync([editService({ ...WEB, scheduler: 'rr', persistence: { timeout: 500 } })]);
    sim.request(WEB, '192.0.2.2');
    const t = await list(sim, { templates: 'only' });
    expect(Object.fromEntries(t.map((e) => [e.clientAddress, e.expires]))).toEqual({ '192.0.2.1': 100, '192.0.2.2': 500 });
  });

  it('a quiesced server keeps its persistent clients; with expire_quiescent_template they move', () => {
    for (const expireQuiescentTemplate of [false, true]) {
      const sim = new SimEngine({ sysctls: { expire_quiescent_template: expireQuiescentTemplate ? 1 : 0 } });
      webWith(sim, { persistence: { timeout: 300 } });
      const d = sim.request(WEB, '192.0.2.77').dest!;
      sim.applySync([editServer(WEB, server(d.split(':')[0]!, 80, { forwarding: 'masq', weight: 0 }))]);
      const again = sim.request(WEB, '192.0.2.77').dest;
      if (expireQuiescentTemplate) expect(again).not.toBe(d);
      else expect(again).toBe(d);
    }
  });

  it('a deleted server fails its templates: the client is scheduled again', () => {
    const sim = new SimEngine();
    webWith(sim, { persistence: { timeout: 300 } });
    const d = sim.request(WEB, '192.0.2.5').dest!;
    sim.applySync([deleteServer(WEB, d.split(':')[0]!, 80)]);
    const again = sim.request(WEB, '192.0.2.5').dest;
    expect(again).not.toBeNull();
    expect(again).not.toBe(d);
  });
});

describe('weight 0 versus delete', () => {
  it('weight 0: nothing new, existing connections keep flowing and counting', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A, B]);
    const held = [sim.request(WEB, '192.0.2.1', { hold: true }), sim.request(WEB, '192.0.2.2', { hold: true })];
    const onA = held.find((h) => h.dest === `${A}:80`)!;
    sim.applySync([editServer(WEB, server(A, 80, { forwarding: 'masq', weight: 0 }))]);
    expect(sim.hit(WEB, 10)).toEqual({ [`${B}:80`]: 10 });
    expect((await dest(sim, A)).activeConns).toBe(1);
    onA.close();
    sim.tick(2000);
    const a = await dest(sim, A);
    expect([a.activeConns, a.inactConns]).toEqual([0, 1]); // the close went through: TIME_WAIT
    expect(a.counters.inPkts).toBeGreaterThan(4);
  });

  it('delete: the server leaves the listing, its connections are dropped until they time out, its counters wait in the trash', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A, B]);
    sim.hit(WEB, 4);
    const held = sim.request(WEB, '192.0.2.1', { hold: true });
    const gone = held.dest!.split(':')[0]!;
    sim.tick(2000);
    const before = await dest(sim, gone);
    sim.applySync([deleteServer(WEB, gone, 80)]);
    expect((await sim.readStats()).services[0]!.realServers.map((d) => d.address)).not.toContain(gone);
    expect(sim.kernel.trash.map((d) => d.address)).toEqual([gone]);
    // entries stay (held ESTABLISHED + TIME_WAITs), packets are dropped
    expect((await list(sim, { dest: gone })).length).toBe(3);
    held.close();
    expect((await list(sim, { dest: gone, state: 'ESTABLISHED' })).length).toBe(1); // the FIN was dropped
    // re-adding it takes it back from the trash, counters included
    sim.applySync([addServer(WEB, server(gone, 80, { forwarding: 'masq' }))]);
    sim.tick(2000);
    const back = await dest(sim, gone);
    expect(back.counters.conns).toBe(before.counters.conns);
    expect(back.activeConns).toBe(1);
    expect(sim.kernel.trash).toHaveLength(0);
  });

  it('an unreferenced deleted server is freed from the trash after its idle period', () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A, B]);
    sim.applySync([deleteServer(WEB, A, 80)]);
    expect(sim.kernel.trash).toHaveLength(1);
    sim.tick(130_000);
    expect(sim.kernel.trash).toHaveLength(1); // first seen idle at the 60 s reaper pass, kept 120 s
    sim.tick(60_000);
    expect(sim.kernel.trash).toHaveLength(0);
  });

  it("expire_nodest_conn=1 removes a deleted server's entries at once", async () => {
    const sim = new SimEngine({ sysctls: { expire_nodest_conn: 1 } });
    webWith(sim, {}, [A]);
    sim.request(WEB, '192.0.2.1', { hold: true });
    sim.hit(WEB, 3);
    sim.applySync([deleteServer(WEB, A, 80)]);
    expect(await list(sim)).toHaveLength(0);
  });

  it('deleting a service leaves its connections to time out', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A]);
    sim.hit(WEB, 2);
    sim.applySync([deleteService(WEB)]);
    expect(await list(sim)).toHaveLength(2);
    expect(await connsAfter(sim, 121_000)).toBe(0);
  });
});

describe('thresholds and OVERLOAD (§3.17)', () => {
  it('upper threshold: overloaded at u, cleared below 3/4 u without a lower threshold', async () => {
    const sim = new SimEngine();
    // fo: the highest weight takes everything until it is overloaded
    sim.applySync([
      addService({ ...WEB, scheduler: 'fo' }),
      addServer(WEB, server(A, 80, { forwarding: 'masq', weight: 100, upperThreshold: 4 })),
      addServer(WEB, server(B, 80, { forwarding: 'masq', weight: 1 })),
    ]);
    const held = Array.from({ length: 4 }, (_, i) => sim.request(WEB, `192.0.2.${i + 1}`, { hold: true }));
    expect(held.every((h) => h.dest === `${A}:80`)).toBe(true);
    expect(sim.request(WEB, '192.0.2.9').dest).toBe(`${B}:80`); // 4 >= u: OVERLOAD
    held[0]!.close(); // A still has 4 entries (3 established + 1 TIME_WAIT): still overloaded
    expect(sim.request(WEB, '192.0.2.10').dest).toBe(`${B}:80`);
    held[1]!.close();
    sim.tick(121_000); // both TIME_WAITs expire: 2 left, 2*4 < 3*4 -> cleared on unbind
    expect(sim.request(WEB, '192.0.2.11').dest).toBe(`${A}:80`);
  });

  it('lower threshold: cleared only below l; raising u with -e clears at once', async () => {
    const sim = new SimEngine();
    sim.applySync([
      addService({ ...WEB, scheduler: 'fo' }),
      addServer(WEB, server(A, 80, { forwarding: 'masq', weight: 100, upperThreshold: 3, lowerThreshold: 1 })),
      addServer(WEB, server(B, 80, { forwarding: 'masq', weight: 1 })),
    ]);
    const held = Array.from({ length: 3 }, (_, i) => sim.request(WEB, `192.0.2.${i + 1}`, { hold: true }));
    held[0]!.close();
    held[1]!.close();
    sim.tick(121_000); // 1 left: not < l=1, still overloaded
    expect(sim.request(WEB, '192.0.2.9').dest).toBe(`${B}:80`);
    sim.applySync([editServer(WEB, server(A, 80, { forwarding: 'masq', weight: 100, upperThreshold: 10, lowerThreshold: 1 }))]);
    expect(sim.request(WEB, '192.0.2.10').dest).toBe(`${A}:80`);
  });
});

describe('connection states, counters and expiry', () => {
  it('NAT TCP: SYN_RECV and ESTABLISHED are active, the close goes CLOSE_WAIT -> TIME_WAIT (inactive), gone after 120 s', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A]);
    sim.setBackendHealth(A, 80, false);
    sim.request(WEB, '192.0.2.1');
    expect((await list(sim))[0]).toMatchObject({ state: 'SYN_RECV', expires: 60 });
    expect((await dest(sim, A)).activeConns).toBe(1); // pre-established states count as active
    // the client retransmits its SYN at 1, 3, 7 and 15 s (each restarts the 60 s timer), then gives up
    expect(await connsAfter(sim, 74_000)).toBe(1);
    expect(sim.kernel.tot.inPkts).toBe(5);
    expect(await connsAfter(sim, 2_000)).toBe(0);
    sim.setBackendHealth(A, 80, true);
    const h = sim.request(WEB, '192.0.2.2', { hold: true });
    expect((await list(sim, { client: '192.0.2.2' }))[0]).toMatchObject({ state: 'ESTABLISHED', expires: 900 });
    h.close();
    expect((await list(sim, { client: '192.0.2.2' }))[0]).toMatchObject({ state: 'TIME_WAIT', expires: 120 });
    const d = await dest(sim, A);
    expect([d.activeConns, d.inactConns]).toEqual([0, 1]);
    expect(await connsAfter(sim, 120_000)).toBe(0);
    const z = await dest(sim, A);
    expect([z.activeConns, z.inactConns]).toEqual([0, 0]);
  });

  it('DR / TUN: the director sees only client packets, so a closed connection waits in FIN_WAIT (tcpfin) and OutPkts stays 0', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A], 'route');
    sim.hit(WEB, 5);
    const e = await list(sim);
    expect(new Set(e.map((x) => x.state))).toEqual(new Set(['FIN_WAIT']));
    sim.applySync([{ op: 'set-timeouts', timeouts: { tcp: 0, tcpfin: 30, udp: 0 } }]);
    sim.tick(2000);
    const st = (await sim.readStats()).services[0]!;
    expect(st.counters.outPkts).toBe(0);
    expect(st.counters.inPkts).toBeGreaterThan(0);
    expect(sim.config().globals.timeouts).toEqual({ tcp: 900, tcpfin: 30, udp: 300 });
    sim.request(WEB, '192.0.2.99');
    expect((await list(sim, { client: '192.0.2.99' }))[0]!.expires).toBe(30);
    expect(await connsAfter(sim, 119_000)).toBe(0);
  });

  it('UDP stays in InActConn and expires after the udp timeout', async () => {
    const sim = new SimEngine();
    const dns = { protocol: 'udp', address: '10.0.0.53', port: 53 } as const;
    sim.applySync([addService({ ...dns, scheduler: 'rr' }), addServer(dns, server(A, 53, { forwarding: 'masq' })), { op: 'set-timeouts', timeouts: { tcp: 0, tcpfin: 0, udp: 60 } }]);
    sim.request({ ...dns }, '192.0.2.1');
    expect((await list(sim))[0]).toMatchObject({ protocol: 'UDP', state: 'UDP', expires: 60 });
    const d = await dest(sim, A, 0);
    expect([d.activeConns, d.inactConns]).toEqual([0, 1]);
    expect(await connsAfter(sim, 61_000)).toBe(0);
  });

  it('one-packet scheduling (-o): a UDP entry per datagram, never kept', async () => {
    const sim = new SimEngine();
    const dns = { protocol: 'udp', address: '10.0.0.53', port: 53 } as const;
    sim.applySync([addService({ ...dns, scheduler: 'rr', onePacket: true }), addServer(dns, server(A, 53, { forwarding: 'masq' })), addServer(dns, server(B, 53, { forwarding: 'masq' }))]);
    expect(sim.hit(dns, 4, '192.0.2.1')).toEqual({ [`${A}:53`]: 2, [`${B}:53`]: 2 });
    expect(await list(sim)).toHaveLength(0);
    sim.tick(2000);
    expect((await sim.readStats()).services[0]!.counters.conns).toBe(4);
  });

  it('SCTP: INIT .. COOKIE-ACK make ESTABLISHED (active), SHUTDOWN .. COMPLETE make CLOSED', async () => {
    const sim = new SimEngine();
    const dia = { protocol: 'sctp', address: '10.0.0.9', port: 3868 } as const;
    sim.applySync([addService({ ...dia, scheduler: 'rr' }), addServer(dia, server(A, 3868, { forwarding: 'masq' }))]);
    const h = sim.request(dia, '192.0.2.1', { hold: true });
    expect((await list(sim))[0]).toMatchObject({ protocol: 'SCTP', state: 'ESTABLISHED' });
    expect((await dest(sim, A)).activeConns).toBe(1);
    h.close();
    expect((await list(sim))[0]).toMatchObject({ state: 'CLOSED' });
    expect((await dest(sim, A)).inactConns).toBe(1);
  });

  it('an idle ESTABLISHED connection expires after the tcp timeout', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A]);
    sim.applySync([{ op: 'set-timeouts', timeouts: { tcp: 100, tcpfin: 0, udp: 0 } }]);
    sim.request(WEB, '192.0.2.1', { hold: true });
    expect(await connsAfter(sim, 99_000)).toBe(1);
    expect(await connsAfter(sim, 2_000)).toBe(0);
  });
});

describe('the estimator through the engine', () => {
  it('a steady 100 conn/s reads CPS 25, 44, 58, 68, 76 ... at the 2 s passes', async () => {
    const sim = new SimEngine();
    webWith(sim, {}, [A, B]);
    const cps: number[] = [];
    for (let i = 0; i < 8; i++) {
      for (let k = 0; k < 200; k++) sim.request(WEB, `192.0.2.${(k % 250) + 1}`);
      sim.tick(2000);
      const s = await sim.readStats();
      cps.push(s.services[0]!.rates.cps);
      expect(s.totals.rates.cps).toBe(s.services[0]!.rates.cps);
    }
    expect(cps).toEqual([25, 44, 58, 68, 76, 82, 87, 90]);
  });
});

describe('traffic generator', () => {
  const setup = (seed: number) => {
    const sim = new SimEngine({ seed, clock: () => Date.UTC(2025, 0, 1, 12), traffic: { defaults: { cps: 30, lifetime: 5, daily: { amplitude: 0 }, bursts: { perHour: 0 } } } });
    webWith(sim, {}, [A, B, C]);
    return sim;
  };

  it('is deterministic for a seed and moves counters, rates and connection counts', async () => {
    const a = setup(11);
    const b = setup(11);
    const c = setup(12);
    for (const s of [a, b, c]) s.tick(60_000);
    const [sa, sb, sc] = await Promise.all([a.readStats(), b.readStats(), c.readStats()]);
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    const svc = sa.services[0]!;
    expect(svc.counters.conns).toBeGreaterThan(60 * 30 * 0.8);
    expect(svc.counters.conns).toBeLessThan(60 * 30 * 1.2);
    expect(Math.abs(svc.rates.cps - 30)).toBeLessThan(8);
    expect(svc.rates.outbps).toBeGreaterThan(svc.rates.inbps); // responses outweigh requests
    const active = svc.realServers.reduce((n, d) => n + d.activeConns, 0);
    const inact = svc.realServers.reduce((n, d) => n + d.inactConns, 0);
    expect(active).toBeGreaterThan(30 * 5 * 0.5); // ≈ cps × lifetime established
    expect(inact).toBeGreaterThan(30 * 55 * 0.8); // ≈ cps × elapsed in TIME_WAIT (120 s > 60 s run)
  });

  it('the demo profile: web over TCP shows established and closing connections, DNS over UDP inactive entries only; 10k services stay within totalCps', async () => {
    const sim = new SimEngine({ clock: () => Date.UTC(2025, 0, 1, 20), traffic: 'demo' });
    const dns = { protocol: 'udp', address: '10.0.0.53', port: 53 } as const;
    sim.applySync([
      addService({ ...WEB, scheduler: 'wlc' }),
      addServer(WEB, server(A, 80, { forwarding: 'masq' })),
      addServer(WEB, server(B, 80, { forwarding: 'masq' })),
      addService({ ...dns, scheduler: 'rr' }),
      addServer(dns, server(C, 53, { forwarding: 'masq' })),
    ]);
    sim.tick(30_000);
    const st = await sim.readStats();
    const web = st.services.find((x) => x.service.protocol === 'tcp')!;
    const udp = st.services.find((x) => x.service.protocol === 'udp')!;
    expect(web.realServers.every((d) => d.activeConns > 0 && d.inactConns > 0)).toBe(true);
    expect(udp.realServers[0]!.activeConns).toBe(0);
    expect(udp.realServers[0]!.inactConns).toBeGreaterThan(100);
    expect(new Set((await list(sim, { virtual: '10.0.0.53:53' })).map((e) => e.state))).toEqual(new Set(['UDP']));
    expect(udp.counters.outBytes / udp.counters.conns).toBeLessThan(1000); // answers, not web pages

    const big = new SimEngine({ clock: () => Date.UTC(2025, 0, 1, 20), traffic: 'demo' });
    const ops = Array.from({ length: 10_000 }, (_, i) => {
      const vip = { protocol: 'tcp', address: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 80 } as const;
      return [addService({ ...vip, scheduler: 'wlc' }), addServer(vip, server(A, 80))];
    }).flat();
    expect(big.applySync(ops).ok).toBe(true);
    big.tick(20_000);
    const opened = big.trafficStats().opened;
    expect(opened / 20).toBeLessThan(600 * 1.15); // the demo's totalCps holds whatever the number of services
    expect(opened / 20).toBeGreaterThan(600 * 0.7);
  });

  it('follows the daily curve: the peak hour is busier than the trough', async () => {
    const at = (hour: number) => {
      const t0 = Date.UTC(2025, 0, 1, hour, 0, 0);
      const sim = new SimEngine({ clock: () => t0, traffic: { defaults: { cps: 50, daily: { amplitude: 0.8, peakHour: 20 }, bursts: { perHour: 0 } } } });
      webWith(sim, {}, [A]);
      sim.tick(30_000);
      return sim.trafficStats().opened;
    };
    expect(at(20)).toBeGreaterThan(3 * at(8));
  });

  it('clients whose backend is down give up; the director refuses flows to a service without servers', async () => {
    const sim = setup(3);
    sim.setBackendHealth(A, 0, false);
    expect(sim.probeBackend(A, 80)).toEqual({ ok: false, reason: 'connect ECONNREFUSED' });
    expect(sim.probeBackend(B, 80).ok).toBe(true);
    sim.tick(35_000); // clients give up connecting after 31 s
    expect(sim.trafficStats().timedOut).toBeGreaterThan(0);
    expect((await list(sim, { dest: A, state: 'SYN_RECV' })).length).toBeGreaterThan(0);
    sim.applySync([deleteServer(WEB, A, 80), deleteServer(WEB, B, 80), deleteServer(WEB, C, 80)]);
    sim.tick(5_000);
    expect(sim.trafficStats().noDest).toBeGreaterThan(0);
  });
});

describe('readback', () => {
  it('readConfig is already canonical (parsing it changes nothing)', () => {
    const sim = new SimEngine();
    const r = sim.applySync([
      addService({ ...WEB, scheduler: 'sh', schedFlags: ['sh-port', 'sh-fallback'], persistence: { timeout: 360, netmask: '255.255.0.0' } }),
      addServer(WEB, server('10.0.1.9', 8080, { forwarding: 'route', weight: 3, upperThreshold: 10, lowerThreshold: 5 })),
      addServer(WEB, server('10.0.1.10', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080 })),
      addService({ protocol: 'fwmark', fwmark: 7, family: 'inet6', scheduler: 'mh' }),
      { op: 'start-daemon', daemon: { state: 'backup', interface: 'eth1', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 } },
    ]);
    expect(r).toEqual({ ok: true, applied: 5 });
    const c = sim.config();
    expect(DirectorConfigSchema.parse(c)).toEqual(c);
    expect(c.services[0]!.realServers[0]).toEqual({ address: '10.0.1.9', port: 80, forwarding: 'route', weight: 3, upperThreshold: 10, lowerThreshold: 5 });
    expect(c.globals.syncDaemons).toEqual([{ state: 'backup', interface: 'eth1', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 }]);
  });
});

describe('the kernel IPVS settings the simulator honours', () => {
  it('set-sysctl ops change the settings and read back; a value the kernel refuses is refused with its words', () => {
    const sim = new SimEngine();
    expect(sim.applySync([{ op: 'set-sysctl', name: 'conn_reuse_mode', value: 0 }])).toEqual({ ok: true, applied: 1 });
    expect(sim.config().globals.sysctls).toMatchObject({ conn_reuse_mode: 0 });
    const bad = sim.applySync([{ op: 'set-sysctl', name: 'sync_ports', value: 3 }]);
    expect(bad).toMatchObject({ ok: false, applied: 0, message: 'sysctl: setting key "net.ipv4.vs.sync_ports": Invalid argument' });
  });

  it('conn_reuse_mode: a new SYN on a TIME_WAIT entry is scheduled afresh (1) or rides the old entry (0)', () => {
    for (const mode of [1, 0]) {
      const sim = new SimEngine({ sysctls: { conn_reuse_mode: mode } });
      webWith(sim, {}, [A, B]);
      const first = sim.request(WEB, '192.0.2.9', { clientPort: 40000 }).dest; // closed: TIME_WAIT (masq sees both directions)
      const reused = sim.packet(WEB, '192.0.2.9', { clientPort: 40000, seg: 'syn' });
      if (mode === 1)
        expect(reused).not.toBe(first); // rr moved on to the other server
      else expect(reused).toBe(first);
    }
  });

  it('sloppy_tcp: a mid-flow segment with no entry opens one only when sloppy (a backup taking over flows)', () => {
    for (const sloppy of [0, 1]) {
      const sim = new SimEngine({ sysctls: { sloppy_tcp: sloppy } });
      webWith(sim, {}, [A, B]);
      const d = sim.packet(WEB, '192.0.2.10', { clientPort: 41000, seg: 'ack' });
      if (sloppy) expect(d).toMatch(/^10\.0\.1\.[12]:80$/);
      else expect(d).toBeNull();
      expect(sim.packet(WEB, '192.0.2.10', { clientPort: 41001, seg: 'rst' })).toBeNull(); // never from an RST
    }
  });

  it('expire_nodest_conn: the entries of a deleted server go at once, so the next SYN is scheduled elsewhere', () => {
    for (const nodest of [0, 1]) {
      const sim = new SimEngine({ sysctls: { expire_nodest_conn: nodest } });
      webWith(sim, {}, [A, B]);
      const d = sim.request(WEB, '192.0.2.11', { clientPort: 42000, hold: true }).dest!;
      sim.applySync([deleteServer(WEB, d.split(':')[0]!, 80)]);
      const next = sim.packet(WEB, '192.0.2.11', { clientPort: 42000, seg: 'ack' });
      // with it the entry is gone (an ACK opens nothing); without it the packet is dropped on the dead entry
      expect(next).toBeNull();
      const entries = [...sim.kernel.conns.entries()].filter((c) => c.cport === 42000 && c.tSlot >= 0);
      expect(entries.length).toBe(nodest ? 0 : 1);
    }
  });
});
