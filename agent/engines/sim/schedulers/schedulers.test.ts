import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeService, fromClient } from './harness';
import { DEST_F_OVERLOAD, SCHED_FLAG_1, SCHED_FLAG_2, type Scheduler } from './types';
import { rr } from './rr';
import { wrr } from './wrr';
import { lc } from './lc';
import { wlc } from './wlc';
import { sed } from './sed';
import { nq } from './nq';
import { fo } from './fo';
import { ovf } from './ovf';
import { dh } from './dh';
import { sh } from './sh';
import { lblc } from './lblc';
import { lblcr } from './lblcr';
import { twos } from './twos';
import { SCHEDULER_MODULES } from './index';

/** A service whose list order is `spec` left to right (the first is the head, i.e. added last). */
function listed<S>(sched: Scheduler<S>, spec: [string, number][] | Record<string, number>, opts?: { seed?: number; schedFlags?: number }) {
  const svc = new FakeService(sched, opts);
  for (const [name, w] of (Array.isArray(spec) ? [...spec] : Object.entries(spec)).reverse()) svc.add(name, w, `10.0.0.${name.charCodeAt(0)}`);
  return svc;
}

const count = (seq: string) => seq.split(' ').reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});

describe('wrr', () => {
  it.each([
    [
      [
        ['A', 4],
        ['B', 3],
        ['C', 2],
      ],
      'A A B A B C A B C',
    ],
    [
      [
        ['A', 6],
        ['B', 4],
        ['C', 2],
      ],
      'A A B A B C',
    ],
    [
      [
        ['A', 5],
        ['B', 1],
      ],
      'A A A A A B',
    ],
    [
      [
        ['A', 1],
        ['B', 1],
        ['C', 1],
      ],
      'A B C',
    ],
  ] as [[string, number][], string][])('weights %j bound at once give the reference sequence %s, repeating', (spec, cycle) => {
    const svc = listed(wrr, spec).rebind(); // init_svc with every destination present: cw starts at mw
    const n = cycle.split(' ').length;
    expect(svc.sequence(3 * n)).toBe([cycle, cycle, cycle].join(' '));
  });

  it('rs1/rs2/rs3 added one by one with weights 1/2/3 take exactly 5/10/15 of 30, newest first (fixtures 201-202)', () => {
    const svc = new FakeService(wrr);
    svc.add('rs1', 1); // empty service: mw 0, cw 0 -> cw = mw = 1
    svc.add('rs2', 2); // cw 1 <= mw 2 and gcd 1: cw stays 1
    svc.add('rs3', 3);
    const seq = svc.sequence(30);
    // the first pass runs at cw 1, then the 3,2,1 cycle: rs3 rs3 rs2 rs3 rs2 rs1
    expect(seq.split(' ').slice(0, 9).join(' ')).toBe('rs3 rs2 rs1 rs3 rs3 rs2 rs3 rs2 rs1');
    expect(count(seq)).toEqual({ rs1: 5, rs2: 10, rs3: 15 });
  });

  it('quiescing rs3 then 12 more: 8 to rs2, 4 to rs1 (fixture 213)', () => {
    const svc = new FakeService(wrr);
    const [, , rs3] = [svc.add('rs1', 1), svc.add('rs2', 2), svc.add('rs3', 3)];
    svc.sequence(30);
    svc.setWeight(rs3!, 0);
    expect(count(svc.sequence(12))).toEqual({ rs1: 4, rs2: 8 });
  });

  it('gives nothing when every weight is 0 and skips overloaded destinations', () => {
    const svc = listed(wrr, { A: 0, B: 0 });
    expect(svc.pick()).toBeNull();
    const s2 = listed(wrr, { A: 2, B: 1 });
    s2.dests[0]!.flags |= DEST_F_OVERLOAD;
    expect(s2.sequence(4)).toBe('B B B B');
    s2.dests[1]!.flags |= DEST_F_OVERLOAD;
    expect(s2.pick()).toBeNull();
  });

  it('keeps the weight ratio for any weights (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 6 }), (weights) => {
        const svc = listed(
          wrr,
          weights.map((w, i) => [String.fromCharCode(65 + i), w] as [string, number]),
        ).rebind();
        const total = weights.reduce((a, b) => a + b, 0);
        if (total === 0) {
          expect(svc.pick()).toBeNull();
          return;
        }
        const g = weights
          .filter((w) => w > 0)
          .reduce((a, b) => {
            while (b) [a, b] = [b, a % b];
            return a;
          });
        const period = total / g;
        const c = count(svc.sequence(period * 3));
        weights.forEach((w, i) => expect(c[String.fromCharCode(65 + i)] ?? 0).toBe((3 * w) / g));
      }),
      { numRuns: 200 },
    );
  });
});

describe('rr', () => {
  it('goes round in list order, newest first, skipping weight 0 (fixture 215: 3/3/3)', () => {
    const svc = new FakeService(rr);
    svc.add('rs1', 1);
    svc.add('rs2', 2);
    svc.add('rs3', 0);
    expect(svc.sequence(4)).toBe('rs2 rs1 rs2 rs1');
    svc.setWeight(svc.dests[0]!, 1);
    expect(count(svc.sequence(9))).toEqual({ rs1: 3, rs2: 3, rs3: 3 });
  });

  it('reaches a newly added destination only after wrapping, and steps back when the cursor is deleted', () => {
    const svc = listed(rr, { A: 1, B: 1, C: 1 });
    expect(svc.sequence(2)).toBe('A B');
    svc.add('N', 1); // at the head: after C, the walk wraps to N
    expect(svc.sequence(3)).toBe('C N A');
    svc.remove(svc.dests.find((d) => d.name === 'A')!); // cursor was A -> back to N
    expect(svc.sequence(3)).toBe('B C N');
  });

  it('returns null when nothing is usable', () => {
    const svc = listed(rr, { A: 0 });
    expect(svc.pick()).toBeNull();
    expect(new FakeService(rr).pick()).toBeNull();
  });
});

describe('least-connection family: ties go to the earliest in list order (newest first)', () => {
  const conns = (svc: FakeService, spec: Record<string, [number, number]>) => {
    for (const d of svc.dests) [d.activeConns, d.inactConns] = spec[d.name] ?? [0, 0];
  };

  it('lc: active×256+inactive, weight only as 0/non-0', () => {
    const svc = listed(lc, { A: 1, B: 100, C: 0 });
    expect(svc.pick()?.name).toBe('A');
    conns(svc, { A: [1, 0], B: [0, 255] });
    expect(svc.pick()?.name).toBe('B');
    conns(svc, { A: [1, 0], B: [0, 256], C: [0, 0] });
    expect(svc.pick()?.name).toBe('A'); // tie 256 vs 256 -> first in list; C has weight 0
  });

  it('wlc: minimises overhead/weight by cross-multiplying', () => {
    const svc = listed(wlc, { A: 1, B: 3 });
    conns(svc, { A: [1, 0], B: [2, 0] });
    expect(svc.pick()?.name).toBe('B'); // 256/1 > 512/3
    conns(svc, { A: [1, 0], B: [3, 0] });
    expect(svc.pick()?.name).toBe('A'); // 256 vs 768/3 = 256: tie -> A
    svc.dests[0]!.flags |= DEST_F_OVERLOAD;
    expect(svc.pick()?.name).toBe('B');
  });

  it('sed: (active+1)/weight, inactive ignored', () => {
    const svc = listed(sed, { A: 1, B: 2 });
    conns(svc, { A: [0, 50], B: [1, 0] });
    expect(svc.pick()?.name).toBe('A'); // 1/1 vs 2/2: tie -> A
    conns(svc, { A: [1, 0], B: [1, 0] });
    expect(svc.pick()?.name).toBe('B'); // 2/1 > 2/2
  });

  it('nq: the first idle destination at once, else sed', () => {
    const svc = listed(nq, { A: 5, B: 1, C: 1 });
    conns(svc, { A: [3, 0], B: [0, 9], C: [0, 0] });
    expect(svc.pick()?.name).toBe('B');
    conns(svc, { A: [3, 0], B: [1, 0], C: [1, 0] });
    expect(svc.pick()?.name).toBe('A'); // 4/5 < 2/1
  });

  it('fo: highest weight, first on ties; ovf: highest weight with active <= weight', () => {
    const f = listed(fo, { A: 2, B: 5, C: 5 });
    expect(f.pick()?.name).toBe('B');
    f.dests[1]!.flags |= DEST_F_OVERLOAD;
    expect(f.pick()?.name).toBe('C');
    const o = listed(ovf, { A: 2, B: 5 });
    conns(o, { A: [0, 0], B: [5, 100] });
    expect(o.pick()?.name).toBe('B'); // 5 active is not > 5
    conns(o, { A: [0, 0], B: [6, 0] });
    expect(o.pick()?.name).toBe('A');
    conns(o, { A: [3, 0], B: [6, 0] });
    expect(o.pick()).toBeNull();
  });
});

describe('hashing schedulers', () => {
  it('dh: one bucket per destination cyclically, keyed on the destination address; weight 0 drops', () => {
    const svc = listed(dh, { A: 1, B: 100 });
    const seen = new Map<string, string>();
    for (let i = 1; i < 200; i++) {
      const d = svc.pick({ daddr: `198.51.100.${i}`, dfold: 0xc6336400 + i });
      seen.set(`${i}`, d!.name);
      expect(svc.pick({ daddr: `198.51.100.${i}`, dfold: 0xc6336400 + i, saddr: '203.0.113.9', sfold: 0xcb007109 })!.name).toBe(d!.name);
    }
    const c = count([...seen.values()].join(' '));
    expect(c.A! + c.B!).toBe(199); // weight is ignored: both get about half
    expect(Math.abs(c.A! - c.B!)).toBeLessThan(60);
    const b = svc.dests.find((d) => d.name === 'B')!;
    svc.setWeight(b, 0);
    const lost = [...seen].filter(([, n]) => n === 'B').map(([i]) => +i);
    for (const i of lost) expect(svc.pick({ dfold: 0xc6336400 + i })).toBeNull();
  });

  it('sh: each destination takes weight consecutive buckets; same client -> same server', () => {
    const svc = listed(sh, { A: 1, B: 3 });
    const table = svc.state as unknown as { name: string }[];
    expect(table.filter((d) => d.name === 'A').length).toBe(64);
    expect(table.filter((d) => d.name === 'B').length).toBe(192);
    expect(
      table
        .slice(0, 5)
        .map((d) => d.name)
        .join(''),
    ).toBe('ABBBA');
    const c1 = fromClient('192.0.2.10', 1111);
    const c2 = fromClient('192.0.2.10', 2222);
    expect(svc.pick(c1)?.name).toBe(svc.pick(c2)?.name); // port ignored without sh-port
  });

  it('sh: a quiesced destination keeps one bucket; its clients drop without sh-fallback, move with it', () => {
    const clients = Array.from({ length: 400 }, (_, i) => fromClient(`192.0.${i >> 8}.${i & 255}`));
    const plain = listed(sh, { A: 1, B: 1, C: 1 });
    const fb = listed(sh, { A: 1, B: 1, C: 1 }, { schedFlags: SCHED_FLAG_1 });
    const before = clients.map((c) => plain.pick(c)!.name);
    for (const s of [plain, fb])
      s.setWeight(
        s.dests.find((d) => d.name === 'B')!,
        0,
      );
    clients.forEach((c, i) => {
      const p = plain.pick(c);
      const f = fb.pick(c);
      if (before[i] === 'B') {
        expect(p).toBeNull();
        expect(f?.name).toMatch(/^[AC]$/);
      } else {
        // with weight 0, B still holds 1 bucket of the cyclic deal, so others may shift: only check usability
        expect(f).not.toBeNull();
      }
    });
  });

  it('sh-port spreads one client over servers by source port', () => {
    const svc = listed(sh, { A: 1, B: 1, C: 1 }, { schedFlags: SCHED_FLAG_2 });
    const names = new Set(Array.from({ length: 50 }, (_, i) => svc.pick(fromClient('192.0.2.77', 30000 + i))!.name));
    expect(names.size).toBe(3);
  });
});

describe('lblc / lblcr', () => {
  it('lblc: one server per destination address while it is not overloaded, wlc otherwise', () => {
    const svc = listed(lblc, { A: 1, B: 1 });
    const to = (i: number) => ({ daddr: `198.51.100.${i}` });
    expect(svc.pick(to(1))?.name).toBe('A');
    svc.dests[0]!.activeConns = 1; // A busier now
    expect(svc.pick(to(2))?.name).toBe('B'); // new address: wlc
    expect(svc.pick(to(1))?.name).toBe('A'); // cached
    svc.dests[0]!.activeConns = 2; // A: 2 > weight 1, and B (0×2 < 1) is under half load -> overloaded
    expect(svc.pick(to(1))?.name).toBe('B');
    expect(svc.pick(to(1))?.name).toBe('B'); // entry replaced
  });

  it('lblc: a deleted cached server is not reused; entries expire after lblc_expiration', () => {
    const svc = listed(lblc, { A: 1, B: 1 });
    expect(svc.pick({ daddr: 'x' })?.name).toBe('A');
    svc.remove(svc.dests[0]!);
    expect(svc.pick({ daddr: 'x' })?.name).toBe('B');
    const st = svc.state as unknown as { cache: Map<string, unknown> };
    for (let i = 1; i <= 30; i++) {
      svc.clock = i * 60_000 + 24 * 3600_000;
      lblc.gc!(svc, svc.state, svc.env);
    }
    expect(st.cache.size).toBe(0);
  });

  it('lblcr: the set grows when its member is overloaded, and sheds its most loaded member after lblcr_expiration', () => {
    const svc = listed(lblcr, { A: 1, B: 1, C: 1 });
    const st = svc.state as unknown as { cache: Map<string, { set: { members: { name: string }[] } }> };
    expect(svc.pick({ daddr: 'x' })?.name).toBe('A');
    const [a, b] = [svc.dests[0]!, svc.dests[1]!];
    a.activeConns = 2; // overloaded while C is idle
    expect(svc.pick({ daddr: 'x' })?.name).toBe('B');
    expect(st.cache.get('x')!.set.members.map((d) => d.name)).toEqual(['B', 'A']);
    b.activeConns = 1;
    svc.clock = 24 * 3600_000 + 1;
    expect(svc.pick({ daddr: 'x' })?.name).toBe('B'); // min is B (1/1 < 2/1); A (most loaded) is shed
    expect(st.cache.get('x')!.set.members.map((d) => d.name)).toEqual(['B']);
  });
});

describe('twos', () => {
  it('is deterministic for a seed, weighted, and prefers the less loaded of its two draws', () => {
    const a = listed(twos, { A: 1, B: 3 }, { seed: 42 });
    const b = listed(twos, { A: 1, B: 3 }, { seed: 42 });
    expect(a.sequence(50)).toBe(b.sequence(50));
    const c = count(listed(twos, { A: 1, B: 3 }, { seed: 7 }).sequence(4000));
    expect(c.B! / 4000).toBeGreaterThan(0.6); // two draws by weight, ties keep the first draw
    const busy = listed(twos, { A: 1, B: 1 }, { seed: 3 });
    busy.dests[1]!.activeConns = 10;
    const cb = count(busy.sequence(1000));
    expect(cb.A!).toBeGreaterThan(cb.B! * 2); // B wins only when both draws pick B
  });
});

describe('registry', () => {
  it('has one module per scheduler of the model', () => {
    expect([...SCHEDULER_MODULES.keys()].sort()).toEqual(['dh', 'fo', 'lblc', 'lblcr', 'lc', 'mh', 'nq', 'ovf', 'rr', 'sed', 'sh', 'twos', 'wlc', 'wrr']);
  });
});
