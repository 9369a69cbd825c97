// The monitor's transition log (with the probe's own error) and the hold-down after flapping.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import type { HealthState } from '@/lib/protocol/messages';
import { HealthMonitor } from './monitor';
import type { Prober, ProbeTarget } from './probe';

const config = DirectorConfigSchema.parse({
  services: [
    {
      protocol: 'tcp',
      address: '10.0.0.1',
      port: 80,
      healthCheck: { type: 'tcp', interval: 1, timeout: 1, rise: 1, fall: 1, onFailure: 'remove' },
      realServers: [{ address: '10.0.1.1' }],
    },
  ],
});

class Switch implements Prober {
  ok = true;
  async probe(_t: ProbeTarget) {
    return this.ok ? { ok: true, reason: 'ok (1 ms)' } : { ok: false, reason: 'connect ECONNREFUSED' };
  }
}

describe('HealthMonitor transitions and hold-down', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  async function flap(p: Switch, times: number) {
    for (let i = 0; i < times; i++) {
      p.ok = !p.ok;
      await vi.advanceTimersByTimeAsync(1000);
    }
  }

  it('logs each transition with the failing probe’s exact error text', async () => {
    const p = new Switch();
    const m = new HealthMonitor({ prober: p, onTransition: () => undefined, firstProbeDelayMs: () => 0 });
    m.update(config);
    await vi.advanceTimersByTimeAsync(0);
    await flap(p, 2);
    const log = m.transitions();
    expect(log.map((t) => t.healthy)).toEqual([false, true]);
    expect(log[0]).toMatchObject({ error: 'connect ECONNREFUSED', server: { address: '10.0.1.1', port: 80 } });
    expect(log[0]!.reason).toContain('1 consecutive failed tcp checks: connect ECONNREFUSED');
    expect(log[1]!.error).toBeUndefined();
    m.stop();
  });

  it('without a hold-down a flapping server comes back at once; with one it stays out until the hold-down ends', async () => {
    for (const holdDownSeconds of [0, 30]) {
      const p = new Switch();
      const seen: HealthState[] = [];
      const m = new HealthMonitor({ prober: p, onTransition: (s) => seen.push(s), firstProbeDelayMs: () => 0 });
      m.setPolicy({ transitions: 4, windowSeconds: 60, holdDownSeconds });
      m.update(config);
      await vi.advanceTimersByTimeAsync(0);
      await flap(p, 4); // down, up, down, up: the fourth transition is the flapping one
      if (holdDownSeconds === 0) {
        expect(m.unhealthy().size).toBe(0);
        expect(seen.map((s) => s.healthy)).toEqual([false, true, false, true]);
      } else {
        expect(m.unhealthy().size).toBe(1); // probes pass, the server stays out
        expect(seen.map((s) => s.healthy)).toEqual([false, true, false]);
        expect(m.transitions().at(-1)).toMatchObject({ healthy: false, heldDown: true });
        expect(m.states()[0]!.reason).toMatch(/held down after flapping until/);
        await vi.advanceTimersByTimeAsync(25_000);
        expect(m.unhealthy().size).toBe(1);
        await vi.advanceTimersByTimeAsync(6000);
        expect(m.unhealthy().size).toBe(0);
        expect(seen.map((s) => s.healthy)).toEqual([false, true, false, true]);
      }
      m.stop();
    }
  });
});
