import { describe, expect, it } from 'vitest';
import type { StatsPoint, StatsResponse } from '@/lib/api/schemas';
import { downsample, emptySeries, fromResponse, keysByLabel, latest, pushSample, toRows } from './series';

const pt = (t: number, cps: number, extra: Partial<StatsPoint> = {}): StatsPoint => ({ t, activeConns: 0, inactConns: 0, cps, inpps: 0, outpps: 0, inbps: 0, outbps: 0, ...extra });

describe('series', () => {
  const resp: StatsResponse = {
    range: '5m',
    step: 1,
    from: 1000,
    to: 3000,
    total: { key: 'total', label: 'total', points: [pt(1000, 5), pt(2000, 6), pt(3000, 7)] },
    breakdown: [
      { key: 'b', label: '10.0.1.10:80', points: [pt(2000, 2), pt(3000, 3)] },
      { key: 'a', label: '10.0.1.9:80', points: [pt(2000, 4), pt(3000, 4)] },
    ],
  };

  it('loads a backfill and reads the newest value', () => {
    const s = fromResponse(resp);
    expect(s.last).toBe(3000);
    expect(latest(s, 'cps')).toBe(7);
    expect(latest(emptySeries(), 'cps')).toBeNull();
    expect(keysByLabel(s).map((k) => k.label)).toEqual(['10.0.1.9:80', '10.0.1.10:80']);
  });

  it('appends samples and drops points outside the window', () => {
    const s = fromResponse(resp);
    pushSample(s, { t: 4000, total: pt(0, 8), breakdown: [{ key: 'a', label: '10.0.1.9:80', point: pt(0, 5) }] }, 2000);
    expect(s.total.map((p) => p.t)).toEqual([2000, 3000, 4000]);
    expect(s.byKey.get('a')!.points.map((p) => [p.t, p.cps])).toEqual([
      [2000, 4],
      [3000, 4],
      [4000, 5],
    ]);
    pushSample(s, { t: 7000, total: pt(0, 1), breakdown: [] }, 2000);
    expect(s.total.map((p) => p.t)).toEqual([7000]);
    expect(s.byKey.size).toBe(0); // keys with no point left in the window disappear from the legend
  });

  it('replaces a repeated second instead of duplicating it (reconnect overlap)', () => {
    const s = fromResponse(resp);
    pushSample(s, { t: 3000, total: pt(0, 70), breakdown: [] }, 60_000);
    pushSample(s, { t: 2500, total: pt(0, 65), breakdown: [] }, 60_000);
    expect(s.total.map((p) => [p.t, p.cps])).toEqual([
      [1000, 5],
      [2000, 6],
      [2500, 65],
      [3000, 70],
    ]);
  });

  it('builds rows for totals and for breakdowns, scaling bytes to bits', () => {
    const s = fromResponse(resp);
    s.total[2] = pt(3000, 7, { inbps: 100, outbps: 10 });
    expect(toRows(s, { mode: 'total', fields: ['inbps', 'outbps'] }, 8).at(-1)).toEqual({ t: 3000, inbps: 800, outbps: 80 });
    const rows = toRows(s, { mode: 'breakdown', field: 'cps' });
    expect(rows).toEqual([
      { t: 2000, b: 2, a: 4 },
      { t: 3000, b: 3, a: 4 },
    ]);
  });
});

describe('downsample', () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ t: i * 1000, cps: i === 151 ? 999 : i % 7 }));
  it('keeps at most the points the chart has room for, and every peak', () => {
    const d = downsample(rows, 100);
    expect(d).toHaveLength(100);
    expect(d[0]!.t).toBe(0);
    expect(Math.max(...d.map((r) => r.cps as number))).toBe(999);
    expect(d.every((r, i) => i === 0 || r.t > d[i - 1]!.t)).toBe(true);
  });
  it('leaves short series alone', () => {
    expect(downsample(rows.slice(0, 50), 100)).toHaveLength(50);
  });
});
