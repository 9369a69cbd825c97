import { describe, expect, it } from 'vitest';
import { availability, isFlapping } from './health-history';

const H = 3600_000;

describe('availability', () => {
  it('counts the down time inside the window, the state before it from the last earlier transition', () => {
    const now = 100 * H;
    // window 76 h..100 h: down since 70 h (before it), up at 80 h, down at 90 h, up at 96 h
    const flips = [
      { at: 70 * H, healthy: false },
      { at: 80 * H, healthy: true },
      { at: 90 * H, healthy: false },
      { at: 96 * H, healthy: true },
    ];
    const a = availability(flips, now, 24 * H);
    expect(a.downMs).toBe(10 * H); // 76..80 and 90..96
    expect(a.ratio).toBeCloseTo(14 / 24, 10);
    expect(a.transitions).toBe(3);
  });

  it('a server down across the window start is down from the start; one still down is down until now', () => {
    const now = 50 * H;
    const a = availability(
      [
        { at: 10 * H, healthy: false },
        { at: 40 * H, healthy: true },
        { at: 48 * H, healthy: false },
      ],
      now,
      24 * H,
    );
    // window 26 h..50 h: down 26..40 (14 h) and 48..50 (2 h)
    expect(a.downMs).toBe(16 * H);
    expect(a.ratio).toBeCloseTo(8 / 24, 10);
  });

  it('before its first transition a server was in the state it left; without any, the live verdict held', () => {
    expect(availability([{ at: 90 * H, healthy: true }], 100 * H, 24 * H).downMs).toBe(14 * H);
    expect(availability([], 100 * H, 24 * H, { current: false }).ratio).toBe(0);
    expect(availability([], 100 * H, 24 * H, { current: true }).ratio).toBe(1);
    expect(availability([], 100 * H, 24 * H).ratio).toBeNull();
  });

  it('counts only from when the server was first watched', () => {
    const a = availability([{ at: 99 * H, healthy: false }], 100 * H, 30 * 24 * H, { knownSince: 98 * H });
    expect(a.knownMs).toBe(2 * H);
    expect(a.ratio).toBeCloseTo(0.5, 10);
  });
});

describe('flapping', () => {
  it('N transitions within M minutes is flapping; N-1, or N spread wider, is not', () => {
    const m = 60_000;
    const now = 1000 * m;
    const times = [now - 9 * m, now - 6 * m, now - 3 * m, now];
    expect(isFlapping(times, now, 4, 10 * m)).toBe(true);
    expect(isFlapping(times.slice(1), now, 4, 10 * m)).toBe(false);
    expect(isFlapping(times, now, 4, 8 * m)).toBe(false);
    expect(isFlapping(times, now - m, 4, 10 * m)).toBe(false); // the last one is in the future of that moment
  });
});
