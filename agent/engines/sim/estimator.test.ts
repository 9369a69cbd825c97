import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IpvsStats, RateEstimator } from './estimator';

describe('rate estimator (ip_vs_est.c)', () => {
  it("reproduces the reference's worked vector: 100 conn/s and 1000 B/s from zero", () => {
    const e = new RateEstimator();
    const cps: number[] = [];
    const inbps: number[] = [];
    for (let tick = 1; tick <= 10; tick++) {
      e.update(200 * tick, 0, 0, 2000 * tick, 0); // cumulative counters after tick × 2 s
      cps.push(e.read().cps);
      inbps.push(e.read().inbps);
    }
    expect(cps).toEqual([25, 44, 58, 68, 76, 82, 87, 90, 92, 94]);
    expect(inbps).toEqual([250, 437, 578, 684, 763, 822, 866, 900, 925, 944]);
  });

  it('converges to a constant load exactly and decays back to 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 2e8 }), (cps, pps, bps) => {
        const e = new RateEstimator();
        for (let t = 1; t <= 80; t++) e.update(2 * cps * t, 2 * pps * t, pps * t * 2, 2 * bps * t, 0);
        expect(e.read()).toEqual({ cps, inpps: pps, outpps: pps, inbps: bps, outbps: 0 });
        for (let t = 81; t <= 200; t++) e.update(2 * cps * 80, 2 * pps * 80, 2 * pps * 80, 2 * bps * 80, 0);
        expect(e.read()).toEqual({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });
      }),
      { numRuns: 50 },
    );
  });
});

describe('IpvsStats', () => {
  it('shows counters only as of the last estimator pass, like the kernel (fixture 214)', () => {
    const s = new IpvsStats();
    s.conns += 30;
    s.inPkts += 182;
    expect(s.counters().conns).toBe(0);
    s.estimate();
    s.conns += 12; // more traffic between passes
    expect(s.counters()).toMatchObject({ conns: 30, inPkts: 182 });
    s.estimate();
    expect(s.counters().conns).toBe(42);
  });

  it('-Z moves the zero point to the last snapshot and restarts the rates', () => {
    const s = new IpvsStats();
    s.conns = 100;
    s.inBytes = 5000;
    s.estimate();
    expect(s.rates().cps).toBe(12); // 50/s × 1/4 = 12.5; the read-out adds 0x1FF, not 0x200, so halves round down
    s.conns = 110; // not yet sampled
    s.zero();
    expect(s.counters()).toEqual({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });
    expect(s.rates()).toEqual({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });
    s.estimate();
    expect(s.counters().conns).toBe(10); // the 10 made after the last pass show up after -Z
    expect(s.rates().cps).toBe(1); // 5/s × 1/4 = 1.25 → 1
  });
});
