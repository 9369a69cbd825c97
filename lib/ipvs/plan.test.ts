import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plan } from './plan';
import { applyOps, opsToRestoreBatch, summarizeOps } from './ops';
import { parseRules, printRules } from './rules';
import { DirectorConfigSchema, emptyConfig, type DirectorConfig, type DirectorConfigInput } from './model';
import type { Op } from './op';
import { configArb, kernelView } from './__fixtures__/arbitraries';
import { realServers, webService } from './__fixtures__/builders';

const cfg = (input: DirectorConfigInput): DirectorConfig => DirectorConfigSchema.parse(input);
const ops = (d: DirectorConfig, a: DirectorConfig) => plan(d, a).map((o) => o.op);

const base = cfg({
  services: [
    webService({ realServers: [...realServers([1, 2]), { address: '10.0.1.3', forwarding: 'masq', port: 8080, weight: 3 }] }),
    { protocol: 'udp', address: '10.0.0.2', port: 53, scheduler: 'rr', realServers: [{ address: '10.0.2.1', forwarding: 'masq' }] },
  ],
});

function edit(c: DirectorConfig, f: (draft: DirectorConfigInput) => void): DirectorConfig {
  const draft = structuredClone(c) as DirectorConfigInput;
  f(draft);
  return cfg(draft);
}

describe('plan', () => {
  it('equal configs need nothing', () => {
    expect(plan(base, base)).toEqual([]);
  });

  it('a weight change is exactly one -e with the complete real server', () => {
    const d = edit(base, (x) => void (x.services![0]!.realServers![2]!.weight = 0));
    expect(plan(d, base)).toEqual([
      {
        op: 'edit-server',
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.3', port: 8080, forwarding: 'masq', weight: 0, upperThreshold: 0, lowerThreshold: 0 },
      },
    ]);
    expect(summarizeOps(plan(d, base), base)).toBe('1 real server quiesced (weight 0)');
  });

  it('a scheduler, flag or persistence change is one -E with the complete service (no real servers)', () => {
    const d = edit(base, (x) => {
      x.services![0]!.scheduler = 'sh';
      x.services![0]!.schedFlags = ['sh-port'];
      x.services![0]!.persistence = { timeout: 300, netmask: '255.255.255.0' };
    });
    const p = plan(d, base);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({
      op: 'edit-service',
      service: { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'sh', schedFlags: ['sh-port'], persistence: { timeout: 300, netmask: '255.255.255.0' }, onePacket: false, realServers: [] },
    });
    expect(opsToRestoreBatch(p)).toBe('-E -t 10.0.0.1:80 -s sh -p 300 -M 255.255.255.0 -b sh-port\n');
  });

  it('a changed service key is delete + add, with the real servers added after their service', () => {
    const d = edit(base, (x) => void ((x.services![1] as { port: number }).port = 5353));
    expect(ops(d, base)).toEqual(['add-service', 'add-server', 'delete-service']);
    const p = plan(d, base);
    expect(p[0]).toMatchObject({ op: 'add-service', service: { port: 5353 } });
    expect(p[2]).toMatchObject({ op: 'delete-service', service: { protocol: 'udp', address: '10.0.0.2', port: 53 } });
  });

  it('a changed real-server key (port, or forwarding that moves the port) is add + delete', () => {
    const d = edit(base, (x) => {
      const rs = x.services![0]!.realServers![2]!;
      rs.forwarding = 'route';
      delete rs.port;
    });
    expect(plan(d, base)).toEqual([
      {
        op: 'add-server',
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.3', port: 80, forwarding: 'route', weight: 3, upperThreshold: 0, lowerThreshold: 0 },
      },
      { op: 'delete-server', service: { protocol: 'tcp', address: '10.0.0.1', port: 80 }, server: { address: '10.0.1.3', port: 8080 } },
    ]);
  });

  it('within a service: additions, then edits, then removals (capacity first)', () => {
    const d = edit(base, (x) => {
      const rs = x.services![0]!.realServers!;
      rs.splice(0, 1); // remove 10.0.1.1
      rs[0]!.weight = 7; // 10.0.1.2
      rs.push({ address: '10.0.1.9' });
    });
    expect(ops(d, base)).toEqual(['add-server', 'edit-server', 'delete-server']);
  });

  it('a removed service is one -D (its real servers go with it)', () => {
    const d = edit(base, (x) => void x.services!.splice(0, 1));
    expect(plan(d, base)).toEqual([{ op: 'delete-service', service: { protocol: 'tcp', address: '10.0.0.1', port: 80 } }]);
  });

  it('from empty: each service before its real servers, in canonical order', () => {
    const p = plan(base, emptyConfig());
    expect(p.map((o) => o.op)).toEqual(['add-service', 'add-server', 'add-server', 'add-server', 'add-service', 'add-server']);
    expect(summarizeOps(p)).toBe('+2 services, +4 real servers');
  });

  it('one spelling per value: an IPv6 prefix "064" is the 64 the kernel reports (no endless -E)', () => {
    const d = cfg({ services: [{ protocol: 'tcp', address: '2001:db8::1', port: 443, persistence: { timeout: 60, netmask: '064' } }] });
    expect(d.services[0]!.persistence).toEqual({ timeout: 60, netmask: '64' });
    expect(plan(d, parseRules('-A -t [2001:db8::1]:443 -s wlc -p 60 -M 64\n'))).toEqual([]);
  });

  it('flag-3 next to another sh/mh flag is invisible to ipvsadm -S, so it never plans an -E', () => {
    const d = cfg({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'sh', schedFlags: ['sh-port', 'flag-3'] }] });
    const read = parseRules(printRules(d));
    expect(read.services[0]!.schedFlags).toEqual(['sh-port']);
    expect(plan(d, read)).toEqual([]);
    // alone it is visible ("-b " with nothing after it) and round-trips
    const alone = cfg({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'mh', schedFlags: ['flag-3'] }] });
    expect(plan(alone, parseRules(printRules(alone)))).toEqual([]);
    expect(plan(alone, read)).toHaveLength(1);
  });

  it('health checks and drain marks are not kernel fields', () => {
    const d = edit(base, (x) => {
      x.services![0]!.healthCheck = { type: 'http', path: '/healthz' };
      x.services![0]!.realServers![0]!.drain = { timeout: 60 };
    });
    expect(plan(d, base)).toEqual([]);
  });

  it('timeouts: set when desired and different; 0 means "leave it"; null means "not managed"', () => {
    const a = edit(base, (x) => void (x.globals = { timeouts: { tcp: 900, tcpfin: 120, udp: 300 } }));
    expect(
      plan(
        edit(base, (x) => void (x.globals = { timeouts: { tcp: 900, tcpfin: 0, udp: 300 } })),
        a,
      ),
    ).toEqual([]);
    expect(
      plan(
        edit(base, (x) => void (x.globals = { timeouts: { tcp: 3600, tcpfin: 0, udp: 0 } })),
        a,
      ),
    ).toEqual([{ op: 'set-timeouts', timeouts: { tcp: 3600, tcpfin: 0, udp: 0 } }]);
    expect(plan(base, a)).toEqual([]);
  });

  it('sync daemons: started, stopped, and restarted when their settings change', () => {
    const master = { state: 'master' as const, interface: 'eth1', syncId: 3 };
    const a = edit(base, (x) => void (x.globals = { syncDaemons: [master] }));
    expect(plan(a, base)).toEqual([{ op: 'start-daemon', daemon: master }]);
    expect(plan(base, a)).toEqual([{ op: 'stop-daemon', state: 'master', syncId: 3 }]);
    const changed = edit(
      base,
      (x) =>
        void (x.globals = {
          syncDaemons: [
            { ...master, syncId: 4 },
            { state: 'backup', interface: 'eth1' },
          ],
        }),
    );
    expect(ops(changed, a)).toEqual(['stop-daemon', 'start-daemon', 'start-daemon']);
  });

  it('is linear: 10k services x 10 real servers with one weight changed give exactly one op', () => {
    let text = '';
    for (let i = 0; i < 10000; i++) {
      const vip = `10.${(i >> 8) & 255}.${i & 255}.1:80`;
      text += `-A -t ${vip} -s wlc\n`;
      for (let j = 1; j <= 10; j++) text += `-a -t ${vip} -r 192.168.${i % 250}.${j}:80 -g -w 1\n`;
    }
    const actual = parseRules(text);
    const desired = parseRules(text.replace('-a -t 10.19.136.1:80 -r 192.168.0.7:80 -g -w 1', '-a -t 10.19.136.1:80 -r 192.168.0.7:80 -g -w 5'));
    const p = plan(desired, actual);
    expect(p).toEqual([
      {
        op: 'edit-server',
        service: { protocol: 'tcp', address: '10.19.136.1', port: 80 },
        server: { address: '192.168.0.7', port: 80, forwarding: 'route', weight: 5, upperThreshold: 0, lowerThreshold: 0 },
      },
    ]);
  });
});

describe('plan properties', () => {
  const pair = fc.tuple(configArb({ maxServices: 5, maxServers: 4, globals: true, overlays: true }), configArb({ maxServices: 5, maxServers: 4, globals: true }));

  it('applying the plan to actual gives desired (kernel fields), and the plan is then empty', () => {
    fc.assert(
      fc.property(pair, ([desired, actual]) => {
        const p = plan(desired, actual);
        const after = applyOps(actual, p);
        const want = kernelView(desired);
        expect(after.services).toEqual(want.services);
        expect(after.globals.syncDaemons).toEqual(want.globals.syncDaemons);
        expect(plan(desired, after)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('configs that share services (one field changed here and there) plan minimally', () => {
    const mutate = (c: DirectorConfig, seed: number): DirectorConfig => {
      const x = structuredClone(c) as DirectorConfigInput;
      const s = x.services![seed % Math.max(1, x.services!.length)];
      if (s && s.realServers!.length) s.realServers![seed % s.realServers!.length]!.weight = (seed % 7) + 1;
      return cfg(x);
    };
    fc.assert(
      fc.property(configArb({ maxServices: 6, maxServers: 5 }), fc.nat(), (c, seed) => {
        const d = mutate(c, seed);
        const p = plan(d, c);
        expect(p.length).toBeLessThanOrEqual(1);
        if (p.length) expect(p[0]!.op).toBe('edit-server');
        expect(applyOps(c, p)).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it('input not in canonical order still plans correctly (the merge falls back to matching by key)', () => {
    fc.assert(
      fc.property(pair, fc.nat(), ([desired, actual], seed) => {
        const shuffle = <T>(xs: readonly T[]) =>
          xs
            .map((x, i) => ({ x, k: (i * 7919 + seed) % (xs.length + 13) }))
            .sort((a, b) => a.k - b.k)
            .map((e) => e.x);
        const d = { ...desired, services: shuffle(desired.services) };
        const a = { ...actual, services: shuffle(actual.services) };
        const p = plan(d, a);
        expect(applyOps(actual, p).services).toEqual(kernelView(desired).services);
        expect(p.map((o) => o.op).sort()).toEqual(
          plan(desired, actual)
            .map((o) => o.op)
            .sort(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('no op is ever a no-op: every edit changes something, every add is new, every delete exists', () => {
    fc.assert(
      fc.property(pair, ([desired, actual]) => {
        let state = actual;
        for (const op of plan(desired, actual)) {
          const next = applyOps(state, [op as Op]);
          expect(next).not.toEqual(state);
          state = next;
        }
      }),
      { numRuns: 200 },
    );
  });
});
