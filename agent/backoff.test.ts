import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap, jittered within [cap/2, cap], and resets', () => {
    const lo = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    const hi = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    const los = Array.from({ length: 6 }, () => lo.next());
    const his = Array.from({ length: 6 }, () => hi.next());
    expect(los).toEqual([50, 100, 200, 400, 500, 500]);
    expect(his).toEqual([100, 200, 400, 800, 1000, 1000]);
    lo.reset();
    expect(lo.next()).toBe(50);
    expect(lo.failures).toBe(1);
  });
});
