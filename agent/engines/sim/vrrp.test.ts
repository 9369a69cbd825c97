// The demo's simulated VRRP segment: the higher priority holds the VIPs on its simulated interface,
// the console's demo switch moves them (and back: a failback), a stopped master is replaced at
// once, and clients reach only the director that holds the VIPs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addServer, addService, server } from './test-ops';
import { SimEngine } from './index';
import { DEAD_MS, electMaster, SIM_VRRP_CONTROL_FILE, SimVrrpParticipant, writeJsonAtomic } from './vrrp';

const VIPS = ['192.0.2.10'];
const advert = (id: string, priority: number, at = 0) => ({ id, priority, at });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function segment() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-simvrrp-'));
  dirs.push(dir);
  let t = 1_000_000;
  const now = () => t;
  const join = (id: string, priority: number) => {
    const sim = new SimEngine({ clock: now, traffic: 'demo' });
    const p = new SimVrrpParticipant({ dir, id, priority, sim, vips: () => VIPS, now });
    return { sim, p };
  };
  const a = join('sim-1', 150);
  const b = join('sim-2', 100);
  const tick = (ms = 1000) => {
    t += ms;
    a.p.tick();
    b.p.tick();
  };
  const holders = () => [a, b].filter((x) => x.sim.interfaceAddresses().length > 0).map((x) => (x === a ? 'sim-1' : 'sim-2'));
  return { dir, a, b, tick, holders, now };
}

describe('simulated VRRP segment', () => {
  it('elects the highest live priority, ties to the larger id, ignoring dead adverts', () => {
    expect(electMaster([advert('a', 100), advert('b', 150)], null, 10)).toBe('b');
    expect(electMaster([advert('a', 100), advert('b', 100)], null, 10)).toBe('b');
    expect(electMaster([advert('a', 100, DEAD_MS), advert('b', 150)], null, DEAD_MS + 1)).toBe('a');
    expect(electMaster([advert('b', 150), advert('a', 100)], { demote: 'b', reason: 'x', at: 0 }, 10)).toBe('a');
  });

  it('the master carries the VIPs; the demo switch fails them over and back', async () => {
    const s = segment();
    s.a.p.start();
    s.b.p.start();
    expect(s.holders()).toEqual([]); // both listen for one dead interval first
    for (let i = 0; i < 4; i++) s.tick();
    expect(s.holders()).toEqual(['sim-1']);
    expect(s.a.sim.interfaceAddresses()).toEqual([{ address: '192.0.2.10', interface: 'eth0' }]);

    writeJsonAtomic(path.join(s.dir, SIM_VRRP_CONTROL_FILE), { demote: 'sim-1', reason: 'demo failover requested by admin', at: s.now() });
    s.tick();
    expect(s.holders()).toEqual(['sim-2']);
    const [inst] = await s.b.p.read();
    expect(inst).toMatchObject({ name: 'VI_demo', state: 'MASTER', priority: 100, source: 'sim', reason: 'demo failover requested by admin' });
    expect((await s.a.p.read())[0]).toMatchObject({ state: 'BACKUP', priority: 50 });

    writeJsonAtomic(path.join(s.dir, SIM_VRRP_CONTROL_FILE), { demote: 'sim-2', reason: 'back', at: s.now() });
    s.tick();
    expect(s.holders()).toEqual(['sim-1']);
    s.a.p.stop();
    s.b.p.stop();
  });

  it('a stopped master withdraws and the backup takes over at once', async () => {
    const s = segment();
    s.a.p.start();
    s.b.p.start();
    for (let i = 0; i < 4; i++) s.tick();
    s.a.p.stop();
    s.b.p.tick();
    expect(s.holders()).toEqual(['sim-2']);
    s.b.p.stop();
  });

  it('clients reach only the director that holds the VIPs', async () => {
    const s = segment();
    const web = { protocol: 'tcp' as const, address: '192.0.2.10', port: 80 };
    for (const x of [s.a, s.b]) expect((await x.sim.apply([addService(web), addServer(web, server('10.0.1.1', 80, { forwarding: 'masq' }))])).ok).toBe(true);
    s.a.p.start();
    s.b.p.start();
    for (let i = 0; i < 4; i++) s.tick();
    for (let i = 0; i < 5; i++) {
      s.a.sim.tick(1000);
      s.b.sim.tick(1000);
    }
    const conns = async (x: SimEngine) => (await x.readStats()).totals.counters.conns;
    expect(await conns(s.a.sim)).toBeGreaterThan(0);
    expect(await conns(s.b.sim)).toBe(0);
    s.a.p.stop();
    s.b.p.stop();
  });
});
