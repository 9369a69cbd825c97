// Decisions recorded on the real kernel (../shared/ipvs-vm, Debian 6.1) that the simulator must
// make identically: sh (hash_32) and mh (SipHash-1-3 Maglev, last_weight on quiesce) with their
// port and fallback flags, bit for bit; and wrr's order, which depends on how the servers were added.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimEngine } from './index';
import { addServer, addService, editServer, editService, server } from './test-ops';

const VIP = { protocol: 'tcp', address: '10.10.0.1', port: 80 } as const;
const RS = (i: number) => `10.20.${i}.2`;

const recorded = fs
  .readFileSync(path.join(import.meta.dirname, '__fixtures__/hash-decisions.txt'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [tag, client, dest] = l.split(' ');
    return { tag: tag!, port: Number(client!.split(':')[1]), dest: dest! };
  });

const PHASES = {
  SH: { scheduler: 'sh', schedFlags: ['sh-port'], rs2: 2 },
  MH: { scheduler: 'mh', schedFlags: ['mh-port'], rs2: 2 },
  MHF: { scheduler: 'mh', schedFlags: ['mh-port', 'mh-fallback'], rs2: 0 },
  SHF: { scheduler: 'sh', schedFlags: ['sh-port', 'sh-fallback'], rs2: 0 },
} as const;

describe('decisions recorded on the real kernel', () => {
  it.each(Object.entries(PHASES))('%s: every recorded client port goes to the same server', (tag, p) => {
    const sim = new SimEngine();
    // as recorded: -A sh -b sh-port, -a rs1 w1, rs2 w2, rs3 w3 (-m), then -E / -e for the phase
    sim.applySync([addService({ ...VIP, scheduler: 'sh', schedFlags: ['sh-port'] }), ...[1, 2, 3].map((i) => addServer(VIP, server(RS(i), 80, { forwarding: 'masq', weight: i })))]);
    const r = sim.applySync([editService({ ...VIP, scheduler: p.scheduler, schedFlags: [...p.schedFlags] }), editServer(VIP, server(RS(2), 80, { forwarding: 'masq', weight: p.rs2 }))]);
    expect(r.ok).toBe(true);
    const rows = recorded.filter((x) => x.tag === tag);
    expect(rows.length).toBe(40);
    const got = rows.map((x) => ({ port: x.port, dest: sim.request(VIP, '10.30.0.2', { clientPort: x.port }).dest }));
    expect(got).toEqual(rows.map((x) => ({ port: x.port, dest: x.dest })));
    if (p.rs2 === 0) expect(got.some((x) => x.dest === `${RS(2)}:80`)).toBe(false);
  });

  it('wrr: "rs3 rs2 rs1 rs3 rs3 rs2 …" after -A then -a 1,2,3; "rs3 rs3 rs2 rs3 rs2 rs1 …" after -E to another scheduler and back', () => {
    const sim = new SimEngine();
    sim.applySync([addService({ ...VIP, scheduler: 'wrr' }), ...[1, 2, 3].map((i) => addServer(VIP, server(RS(i), 80, { forwarding: 'masq', weight: i })))]);
    const seq = () => Array.from({ length: 12 }, () => `rs${sim.request(VIP, '10.30.0.2').dest!.split('.')[2]}`).join(' ');
    expect(seq()).toBe('rs3 rs2 rs1 rs3 rs3 rs2 rs3 rs2 rs1 rs3 rs3 rs2');
    sim.applySync([editService({ ...VIP, scheduler: 'rr' }), editService({ ...VIP, scheduler: 'wrr' })]);
    expect(seq()).toBe('rs3 rs3 rs2 rs3 rs2 rs1 rs3 rs3 rs2 rs3 rs2 rs1');
  });

  it('sh, mh and dh without port: client 10.30.0.2 -> rs2, rs2, rs3 (weights 1/2/3)', () => {
    const sim = new SimEngine();
    sim.applySync([addService({ ...VIP, scheduler: 'wrr' }), ...[1, 2, 3].map((i) => addServer(VIP, server(RS(i), 80, { forwarding: 'masq', weight: i })))]);
    const where = (scheduler: 'sh' | 'mh' | 'dh') => {
      sim.applySync([editService({ ...VIP, scheduler })]);
      return Object.keys(sim.hit(VIP, 6));
    };
    expect([where('sh'), where('mh'), where('dh')]).toEqual([[`${RS(2)}:80`], [`${RS(2)}:80`], [`${RS(3)}:80`]]);
  });
});
