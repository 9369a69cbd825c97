import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from './model';
import { serverKeyId } from './keys';
import { directorTarget, unhealthyServerIds } from './target';

const created = new Date('2026-01-01T00:00:00Z');
const cfg = (onFailure: 'quiesce' | 'remove') =>
  DirectorConfigSchema.parse({
    services: [
      {
        protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr',
        healthCheck: { type: 'tcp', onFailure },
        realServers: [{ address: '10.0.1.1', weight: 5 }, { address: '10.0.1.2', weight: 7 }, { address: '10.0.1.3', weight: 2, drain: { timeout: 60 } }],
      },
      { protocol: 'tcp', address: '10.0.0.2', port: 80, realServers: [{ address: '10.0.1.2' }] },
    ],
  });
const failing = new Set([serverKeyId({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { address: '10.0.1.2', port: 80 })]);
const at = (s: number) => ({ live: null, now: new Date(created.getTime() + s * 1000), revisionCreatedAt: created });

describe('directorTarget', () => {
  it('quiesces or removes only the failing server of the checked service, leaving the revision alone', () => {
    const q = cfg('quiesce');
    const before = JSON.stringify(q);
    const out = directorTarget(q, { unhealthy: failing, drains: at(0) }).config;
    expect(out.services[0]!.realServers.map((r) => [r.address, r.weight])).toEqual([['10.0.1.1', 5], ['10.0.1.2', 0], ['10.0.1.3', 0]]);
    expect(out.services[1]).toBe(q.services[1]); // an unchecked service is untouched, even with the same server
    expect(JSON.stringify(q)).toBe(before);
    const r = directorTarget(cfg('remove'), { unhealthy: failing, drains: at(0) }).config;
    expect(r.services[0]!.realServers.map((x) => x.address)).toEqual(['10.0.1.1', '10.0.1.3']);
  });

  it('resolves drains first: a draining server holds at weight 0 until its deadline, then leaves', () => {
    const holding = directorTarget(cfg('quiesce'), { unhealthy: new Set(), drains: at(59) });
    expect(holding.drains).toEqual([expect.objectContaining({ server: { address: '10.0.1.3', port: 80 }, done: false })]);
    const done = directorTarget(cfg('quiesce'), { unhealthy: new Set(), drains: at(61) });
    expect(done.config.services[0]!.realServers.map((x) => x.address)).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(done.drains[0]!.done).toBe(true);
  });

  it('takes failing servers from reported health states by their server ids', () => {
    const state = (address: string, healthy: boolean) => ({ service: { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 }, server: { address, port: 80 }, healthy, reason: '', since: '', lastCheck: '' });
    expect(unhealthyServerIds([state('10.0.1.1', true), state('10.0.1.2', false)])).toEqual(failing);
  });
});
