import { describe, expect, it } from 'vitest';
import { resolveDrains } from './drain';
import { plan } from './plan';
import { applyOps } from './ops';
import { DirectorConfigSchema } from './model';
import { ZERO_COUNTERS, ZERO_RATES, type StatsSnapshot } from './stats';

/** One service of two servers; the desired config drains the second, the live one has it as it was. */
const config = (drain?: { timeout: number }) =>
  DirectorConfigSchema.parse({
    services: [
      {
        protocol: 'tcp',
        address: '10.0.0.1',
        port: 80,
        realServers: [
          { address: '10.0.1.1', weight: 5 },
          { address: '10.0.1.2', weight: 5, ...(drain ? { drain } : {}) },
        ],
      },
    ],
  });
const desired = config({ timeout: 120 });
const actual = config();
const created = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(created.getTime() + s * 1000);

function live(conns: { active: number; inact: number } | null): StatsSnapshot {
  return {
    at: 0,
    totals: { counters: ZERO_COUNTERS, rates: ZERO_RATES },
    services: [
      {
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        counters: ZERO_COUNTERS,
        rates: ZERO_RATES,
        realServers: [
          { address: '10.0.1.1', port: 80, activeConns: 9, inactConns: 9, persistConns: 0, counters: ZERO_COUNTERS, rates: ZERO_RATES },
          ...(conns ? [{ address: '10.0.1.2', port: 80, activeConns: conns.active, inactConns: conns.inact, persistConns: 4, counters: ZERO_COUNTERS, rates: ZERO_RATES }] : []),
        ],
      },
    ],
  };
}

describe('resolveDrains', () => {
  it('keeps a draining server at weight 0 while it has connections, before the deadline', () => {
    const r = resolveDrains(desired, live({ active: 3, inact: 7 }), at(30), created);
    expect(r.config.services[0]!.realServers.map((x) => [x.address, x.weight])).toEqual([
      ['10.0.1.1', 5],
      ['10.0.1.2', 0],
    ]);
    expect(r.drains).toEqual([
      {
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.2', port: 80 },
        activeConns: 3,
        inactConns: 7,
        initialConns: 10,
        deadline: '2026-01-01T00:02:00.000Z',
        done: false,
      },
    ]);
    // so the planner quiesces it: one -e to weight 0
    expect(plan(r.config, actual)).toEqual([
      {
        op: 'edit-server',
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.2', port: 80, forwarding: 'route', weight: 0, upperThreshold: 0, lowerThreshold: 0 },
      },
    ]);
  });

  it('drops it once its connections are gone (persistence templates do not hold it)', () => {
    const r = resolveDrains(desired, live({ active: 0, inact: 0 }), at(30), created);
    expect(r.config.services[0]!.realServers.map((x) => x.address)).toEqual(['10.0.1.1']);
    expect(r.drains[0]).toMatchObject({ done: true, activeConns: 0, inactConns: 0 });
    expect(plan(r.config, actual)).toEqual([{ op: 'delete-server', service: { protocol: 'tcp', address: '10.0.0.1', port: 80 }, server: { address: '10.0.1.2', port: 80 } }]);
  });

  it('drops it at the deadline even with connections left', () => {
    const r = resolveDrains(desired, live({ active: 1, inact: 0 }), at(120), created);
    expect(r.config.services[0]!.realServers).toHaveLength(1);
    expect(r.drains[0]!.done).toBe(true);
  });

  it('without live numbers it holds at weight 0 until the deadline', () => {
    expect(resolveDrains(desired, null, at(119), created).config.services[0]!.realServers[1]!.weight).toBe(0);
    expect(resolveDrains(desired, null, at(121), created).config.services[0]!.realServers).toHaveLength(1);
  });

  it('a server already gone from the live table is done, and is not added back', () => {
    const r = resolveDrains(desired, live(null), at(10), created);
    expect(r.drains[0]!.done).toBe(true);
    const after = applyOps(actual, plan(r.config, actual));
    expect(plan(resolveDrains(desired, live(null), at(11), created).config, after)).toEqual([]);
  });

  it('configs without drains pass through untouched', () => {
    const r = resolveDrains(actual, live(null), at(0), created);
    expect(r.config).toBe(actual);
    expect(r.drains).toEqual([]);
  });
});
