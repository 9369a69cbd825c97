import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from './model';
import { serverKeyId, serviceKeyId } from './keys';
import { directorTarget, unhealthyServerIds } from './target';
import { realServers, webService } from './__fixtures__/builders';

const created = new Date('2026-01-01T00:00:00Z');
const cfg = (onFailure: 'quiesce' | 'remove') =>
  DirectorConfigSchema.parse({
    services: [
      webService({ healthCheck: { type: 'tcp', onFailure }, realServers: [...realServers([5, 7]), { address: '10.0.1.3', weight: 2, drain: { timeout: 60 } }] }),
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
    expect(out.services[0]!.realServers.map((r) => [r.address, r.weight])).toEqual([
      ['10.0.1.1', 5],
      ['10.0.1.2', 0],
      ['10.0.1.3', 0],
    ]);
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
    const state = (address: string, healthy: boolean) => ({
      service: { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 },
      server: { address, port: 80 },
      healthy,
      reason: '',
      since: '',
      lastCheck: '',
    });
    expect(unhealthyServerIds([state('10.0.1.1', true), state('10.0.1.2', false)])).toEqual(failing);
  });
});

describe('directorTarget: keepalived semantics (per-server checks, sorry server, quorum)', () => {
  const svcKey = { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
  const down = (...last: number[]) => new Set(last.map((n) => serverKeyId(svcKey, { address: `10.0.1.${n}`, port: 80 })));
  const config = (extra: object) =>
    DirectorConfigSchema.parse({
      services: [
        {
          ...svcKey,
          realServers: [
            { address: '10.0.1.1', weight: 3, healthCheck: { type: 'tcp', onFailure: 'remove' } },
            { address: '10.0.1.2', weight: 3, healthCheck: { type: 'tcp', onFailure: 'quiesce' } },
            { address: '10.0.1.3', weight: 3 }, // not checked: never judged failing
          ],
          ...extra,
        },
      ],
    });
  const servers = (c: ReturnType<typeof config>, unhealthy: Set<string>, quorumLost?: Set<string>) => {
    const t = directorTarget(c, { unhealthy, drains: at(0), quorumLost });
    return { rs: t.config.services[0]!.realServers.map((r) => `${r.address}:${r.port} w${r.weight} ${r.forwarding}`), lost: t.quorumLost };
  };

  it('each real server fails by its own check and onFailure; an unchecked server stays', () => {
    expect(servers(config({}), down(1, 2, 3)).rs).toEqual(['10.0.1.2:80 w0 route', '10.0.1.3:80 w3 route']);
  });

  it('the sorry server takes traffic only while no real server is healthy (default quorum 1)', () => {
    const c = config({ sorryServer: { address: '10.0.9.9', port: 8080, forwarding: 'masq' }, realServers: [{ address: '10.0.1.1', weight: 2, healthCheck: { type: 'tcp' } }] });
    expect(servers(c, down()).rs).toEqual(['10.0.1.1:80 w2 route']);
    expect(servers(c, down(1)).rs).toEqual(['10.0.1.1:80 w0 route', '10.0.9.9:8080 w1 masq']);
    const inhibit = config({ sorryServer: { address: '10.0.9.9', port: 8080, forwarding: 'masq', inhibit: true }, realServers: [{ address: '10.0.1.1', weight: 2, healthCheck: { type: 'tcp' } }] });
    expect(servers(inhibit, down()).rs).toEqual(['10.0.1.1:80 w2 route', '10.0.9.9:8080 w0 masq']);
  });

  it('quorum with hysteresis: lost below minWeight - h, back at minWeight + h, unchanged between', () => {
    const c = config({ sorryServer: { address: '10.0.9.9', port: 80 }, quorum: { minWeight: 6, hysteresis: 1 } });
    const id = serviceKeyId(svcKey);
    // healthy weight 9 -> up; 6 (one down) -> still up (>= 5); 3 -> lost (< 5)
    expect(servers(c, down()).lost.size).toBe(0);
    expect(servers(c, down(1)).lost.size).toBe(0);
    const lost = servers(c, down(1, 2));
    expect([...lost.lost]).toEqual([id]);
    expect(lost.rs).toContain('10.0.9.9:80 w1 route');
    // once lost, 6 is not enough to come back (needs 7): the sorry server stays
    const still = servers(c, down(1), lost.lost);
    expect(still.lost.size).toBe(1);
    expect(still.rs).toContain('10.0.9.9:80 w1 route');
    expect(servers(c, down(), still.lost).lost.size).toBe(0);
  });
});

describe('directorTarget: misc_dynamic weights', () => {
  it('a healthy server takes the weight its script asked for; others keep theirs', () => {
    const c = DirectorConfigSchema.parse({
      services: [
        {
          protocol: 'tcp',
          address: '10.0.0.1',
          port: 80,
          realServers: [
            { address: '10.0.1.1', weight: 5, healthCheck: { type: 'misc', script: 'w.sh', dynamicWeight: true } },
            { address: '10.0.1.2', weight: 5, healthCheck: { type: 'misc', script: 'w.sh' } },
          ],
        },
      ],
    });
    const id = (a: string) => serverKeyId(c.services[0]!, { address: a, port: 80 });
    const t = directorTarget(c, {
      unhealthy: new Set(),
      drains: at(0),
      dynamicWeights: new Map([
        [id('10.0.1.1'), 9],
        [id('10.0.1.2'), 1],
      ]),
    });
    expect(t.config.services[0]!.realServers.map((r) => r.weight)).toEqual([9, 5]);
  });
});

describe('directorTarget: the depool guard (quorum.guard)', () => {
  const key = { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
  const guarded = (guard: object, onFailure: 'quiesce' | 'remove' = 'quiesce', extra: object[] = []) =>
    DirectorConfigSchema.parse({
      services: [
        {
          ...key,
          scheduler: 'wrr',
          healthCheck: { type: 'tcp', onFailure },
          quorum: { guard },
          realServers: [{ address: '10.0.1.1', weight: 4 }, { address: '10.0.1.2', weight: 3 }, { address: '10.0.1.3', weight: 2 }, { address: '10.0.1.4', weight: 1 }, ...extra],
        },
      ],
    });
  const down = (...last: number[]) => new Set(last.map((n) => serverKeyId(key, { address: `10.0.1.${n}`, port: 80 })));
  const run = (c: ReturnType<typeof guarded>, unhealthy: Set<string>) => {
    const t = directorTarget(c, { unhealthy, drains: at(0) });
    return {
      inService: t.config.services[0]!.realServers.filter((r) => r.weight > 0).map((r) => r.address),
      kept: t.guarded.map((g) => g.server.address),
    };
  };

  it('a health-check storm (every server failing) leaves the minimum count in, the first servers in order', () => {
    const out = run(guarded({ servers: 2 }), down(1, 2, 3, 4));
    expect(out.inService).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(out.kept).toEqual(['10.0.1.1', '10.0.1.2']);
    // removal instead of quiesce: the kept ones stay, the others leave
    const removed = directorTarget(guarded({ servers: 2 }, 'remove'), { unhealthy: down(1, 2, 3, 4), drains: at(0) });
    expect(removed.config.services[0]!.realServers.map((r) => r.address)).toEqual(['10.0.1.1', '10.0.1.2']);
  });

  it('keeps in only what the minimum needs: healthy servers count first', () => {
    expect(run(guarded({ servers: 2 }), down(1, 2, 3))).toEqual({ inService: ['10.0.1.1', '10.0.1.4'], kept: ['10.0.1.1'] });
    expect(run(guarded({ servers: 2 }), down(1, 2))).toEqual({ inService: ['10.0.1.3', '10.0.1.4'], kept: [] });
  });

  it('a fraction of the servers (rounded up), drained and weight-0 servers aside', () => {
    // 4 eligible (the draining fifth is not), half of them: 2
    const c = guarded({ fraction: 0.5 }, 'quiesce', [{ address: '10.0.1.5', weight: 5, drain: { timeout: 60 } }]);
    expect(run(c, down(1, 2, 3, 4)).kept).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(run(guarded({ fraction: 0.6 }), down(1, 2, 3, 4)).kept).toEqual(['10.0.1.1', '10.0.1.2', '10.0.1.3']);
  });

  it('a total weight, as keepalived counts its quorum', () => {
    // healthy 10.0.1.4 (weight 1) + kept 10.0.1.1 (4) reaches 5
    expect(run(guarded({ weight: 5 }), down(1, 2, 3))).toEqual({ inService: ['10.0.1.1', '10.0.1.4'], kept: ['10.0.1.1'] });
    expect(run(guarded({ weight: 8 }), down(1, 2, 3, 4)).kept).toEqual(['10.0.1.1', '10.0.1.2', '10.0.1.3']);
  });

  it('a guard needs exactly one measure', () => {
    const bad = DirectorConfigSchema.safeParse({ services: [{ ...key, quorum: { guard: { servers: 1, weight: 2 } } }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['services', 0, 'quorum', 'guard']);
  });
});
