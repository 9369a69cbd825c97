import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigDiffSchema, diffConfigs, isEmptyDiff, summarizeDiff } from './diff';
import { plan } from './plan';
import { canonicalJson } from './hash';
import { DirectorConfigSchema, type DirectorConfig } from './model';
import { parseRules } from './rules';
import { configArb } from './__fixtures__/arbitraries';

describe('diffConfigs', () => {
  const before = parseRules('-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -w 2\n-A -u 10.0.0.2:53\n--set 900 120 300\n');
  const after = DirectorConfigSchema.parse({
    globals: { timeouts: { tcp: 3600, tcpfin: 120, udp: 300 }, syncDaemons: [{ state: 'master', interface: 'eth1', syncId: 3 }] },
    services: [
      {
        protocol: 'tcp',
        address: '10.0.0.1',
        port: 80,
        scheduler: 'wrr',
        persistence: { timeout: 300 },
        healthCheck: { type: 'http', path: '/healthz' },
        realServers: [
          { address: '10.0.1.1', weight: 4, upperThreshold: 100 },
          { address: '10.0.1.3', weight: 1 },
        ],
      },
      { protocol: 'fwmark', fwmark: 5 },
    ],
  });

  it('reports services and real servers added, removed and changed, field by field', () => {
    const d = diffConfigs(before, after);
    expect(ConfigDiffSchema.parse(d)).toEqual(d);
    expect(d.globals).toEqual([
      { field: 'syncDaemons.master.interface', before: null, after: 'eth1' },
      { field: 'syncDaemons.master.syncId', before: null, after: 3 },
      { field: 'timeouts.tcp', before: 900, after: 3600 },
    ]);
    expect(d.services.added.map((a) => a.label)).toEqual(['FWM 5']);
    expect(d.services.removed.map((a) => a.label)).toEqual(['UDP 10.0.0.2:53']);
    expect(d.services.removed[0]!.value).toMatchObject({ scheduler: 'wlc', realServers: [] });
    const c = d.services.changed[0]!;
    expect(c.label).toBe('TCP 10.0.0.1:80');
    expect(c.fields.map((f) => f.field)).toEqual([
      'healthCheck.expectStatus',
      'healthCheck.fall',
      'healthCheck.interval',
      'healthCheck.onFailure',
      'healthCheck.path',
      'healthCheck.rise',
      'healthCheck.timeout',
      'healthCheck.type',
      'persistence.timeout',
    ]);
    expect(c.fields.find((f) => f.field === 'persistence.timeout')).toEqual({ field: 'persistence.timeout', before: null, after: 300 });
    expect(c.realServers.added.map((r) => r.label)).toEqual(['10.0.1.3:80']);
    expect(c.realServers.removed.map((r) => r.label)).toEqual(['10.0.1.2:80']);
    expect(c.realServers.changed).toEqual([
      {
        address: '10.0.1.1',
        port: 80,
        label: '10.0.1.1:80',
        fields: [
          { field: 'upperThreshold', before: 0, after: 100 },
          { field: 'weight', before: 1, after: 4 },
        ],
      },
    ]);
    expect(summarizeDiff(d)).toBe('+1 service, 1 service removed, 1 service changed, +1 real server, 1 real server changed, 1 real server removed, 3 global settings changed');
  });

  it('sees drain marks', () => {
    const drained = DirectorConfigSchema.parse({
      ...before,
      services: before.services.map((s, i) => (i === 0 ? { ...s, realServers: s.realServers.map((r, j) => (j === 1 ? { ...r, drain: { timeout: 60 } } : r)) } : s)),
    });
    expect(diffConfigs(before, drained).services.changed[0]!.realServers.changed[0]!.fields).toEqual([{ field: 'drain.timeout', before: null, after: 60 }]);
  });

  it('is empty exactly for equal configs, and agrees with the planner on kernel-only configs', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 5, globals: true }), configArb({ maxServices: 5, globals: true }), (a: DirectorConfig, b: DirectorConfig) => {
        expect(isEmptyDiff(diffConfigs(a, a))).toBe(true);
        const d = diffConfigs(a, b);
        expect(isEmptyDiff(d)).toBe(canonicalJson(a) === canonicalJson(b));
        const p = plan(b, a);
        const count = (op: string) => p.filter((o) => o.op === op).length;
        expect(d.services.added).toHaveLength(count('add-service'));
        expect(d.services.removed).toHaveLength(count('delete-service'));
        expect(d.services.changed.filter((c) => c.fields.length)).toHaveLength(count('edit-service'));
        expect(d.services.changed.reduce((k, c) => k + c.realServers.changed.length, 0)).toBe(count('edit-server'));
        expect(ConfigDiffSchema.safeParse(d).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
