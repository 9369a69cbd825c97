import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeService, fromClient, type FakeDest } from './harness';
import { mh, mhTable, MH_TAB_SIZE } from './mh';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from './types';

const owners = (svc: FakeService) => mhTable(svc, svc.state as Parameters<typeof mhTable>[1]).map((d) => (d as FakeDest | null)?.name ?? '-');
const share = (o: string[], name: string) => o.filter((x) => x === name).length;

function build(weights: number[], flags = 0): FakeService {
  const svc = new FakeService(mh, { schedFlags: flags });
  weights.forEach((w, i) => svc.add(`d${i}`, w, `10.1.${i >> 8}.${(i & 255) + 1}`, 8080));
  return svc;
}

describe('mh (Maglev)', () => {
  it('fills every slot of the 4093-slot table', () => {
    const o = owners(build([1, 1, 1]));
    expect(o.length).toBe(4093);
    expect(MH_TAB_SIZE).toBe(4093);
    expect(o.includes('-')).toBe(false);
  });

  it('shares slots in proportion to weight (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 12 }), (weights) => {
        const o = owners(build(weights));
        const g = weights.reduce((a, b) => {
          while (b) [a, b] = [b, a % b];
          return a;
        });
        const turns = weights.map((w) => w / g);
        const total = turns.reduce((a, b) => a + b, 0);
        turns.forEach((t, i) => {
          // each round every destination claims `t` slots; only the last round is partial
          expect(Math.abs(share(o, `d${i}`) - (MH_TAB_SIZE * t) / total)).toBeLessThanOrEqual(t + 1);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('disrupts little when a destination is removed: its slots move, few others do', () => {
    const svc = build(Array(10).fill(1));
    const before = owners(svc);
    svc.remove(svc.dests.find((d) => d.name === 'd3')!);
    const after = owners(svc);
    let moved = 0;
    let kept = 0;
    before.forEach((b, i) => {
      if (b === 'd3') return;
      kept++;
      if (after[i] !== b) moved++;
    });
    expect(after.includes('d3')).toBe(false);
    expect(moved / kept).toBeLessThan(0.08);
  });

  it('keeps a quiesced destination in the table (last_weight): its clients fail without mh-fallback', () => {
    const plain = build([1, 1, 1]);
    const fb = build([1, 1, 1], SCHED_FLAG_1);
    const table = owners(plain);
    const clients = Array.from({ length: 300 }, (_, i) => fromClient(`192.0.2.${i % 250}`, 1000 + i));
    const before = clients.map((c) => plain.pick(c)!.name);
    for (const s of [plain, fb])
      s.setWeight(
        s.dests.find((d) => d.name === 'd1')!,
        0,
      );
    expect(owners(plain)).toEqual(table); // quiescing does not rebuild the table
    let dropped = 0;
    clients.forEach((c, i) => {
      if (before[i] === 'd1') {
        dropped++;
        expect(plain.pick(c)).toBeNull();
        expect(fb.pick(c)!.name).not.toBe('d1');
      } else {
        expect(plain.pick(c)!.name).toBe(before[i]); // everyone else stays put
        expect(fb.pick(c)!.name).toBe(before[i]);
      }
    });
    expect(dropped).toBeGreaterThan(0);
    // weight back: same slots again
    plain.setWeight(
      plain.dests.find((d) => d.name === 'd1')!,
      1,
    );
    expect(owners(plain)).toEqual(table);
  });

  it('changing a weight rebuilds with the new proportions; mh-port spreads one client over servers', () => {
    const svc = build([1, 1]);
    svc.setWeight(
      svc.dests.find((d) => d.name === 'd0')!,
      3,
    );
    const o = owners(svc);
    expect(Math.abs(share(o, 'd0') / MH_TAB_SIZE - 0.75)).toBeLessThan(0.01);
    const ported = build([1, 1, 1], SCHED_FLAG_2);
    expect(new Set(Array.from({ length: 40 }, (_, i) => ported.pick(fromClient('192.0.2.9', 20000 + i))!.name)).size).toBe(3);
    const unported = build([1, 1, 1]);
    expect(new Set(Array.from({ length: 40 }, (_, i) => unported.pick(fromClient('192.0.2.9', 20000 + i))!.name)).size).toBe(1);
  });

  it('an empty service or all-zero last weights give an empty table and no destination', () => {
    const svc = new FakeService(mh);
    expect(svc.pick()).toBeNull();
    const d = svc.add('a', 1);
    expect(svc.pick()!.name).toBe('a');
    svc.remove(d);
    expect(owners(svc).every((x) => x === '-')).toBe(true);
  });
});
