import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyOps, argvToOp, opToArgv, opToCommandLine, opsToRestoreBatch, summarizeOps } from './ops';
import { plan } from './plan';
import { parseRules, printRules } from './rules';
import { IpvsadmError } from './errors';
import { DirectorConfigSchema, emptyConfig, type DirectorConfig } from './model';
import type { Op, RealServerSpec } from './op';
import { configArb, kernelView } from './__fixtures__/arbitraries';

const svc80 = { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };

describe('opToArgv / opToCommandLine', () => {
  const service = DirectorConfigSchema.parse({
    services: [
      { protocol: 'udp', address: '2001:db8::53', port: 53, scheduler: 'sh', schedFlags: ['sh-port', 'sh-fallback'], persistence: { timeout: 60, netmask: '64', pe: 'sip' }, onePacket: true },
    ],
  }).services[0]!;
  const cases: [Op, string][] = [
    [{ op: 'add-service', service }, 'ipvsadm -A -u [2001:db8::53]:53 -s sh -p 60 -M 64 --pe sip -o -b sh-fallback,sh-port'],
    [{ op: 'edit-service', service: { ...service, persistence: undefined, schedFlags: [], onePacket: false } }, 'ipvsadm -E -u [2001:db8::53]:53 -s sh'],
    [{ op: 'delete-service', service: { protocol: 'fwmark', fwmark: 7, family: 'inet6' } }, 'ipvsadm -D -f 7 -6'],
    [
      { op: 'add-server', service: svc80, server: { address: '10.0.1.2', port: 80, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 } },
      'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1',
    ],
    [
      { op: 'edit-server', service: svc80, server: { address: '10.0.1.2', port: 8080, forwarding: 'masq', weight: 0, upperThreshold: 100, lowerThreshold: 50 } },
      'ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0 -x 100 -y 50',
    ],
    [
      {
        op: 'add-server',
        service: svc80,
        server: { address: '2001:db8::9', port: 80, forwarding: 'tunnel', weight: 2, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum' },
      },
      'ipvsadm -a -t 10.0.0.1:80 -r [2001:db8::9]:80 -i -w 2 --tun-type gue --tun-port 6080 --tun-remcsum',
    ],
    [
      { op: 'add-server', service: svc80, server: { address: '10.0.1.3', port: 80, forwarding: 'tunnel', weight: 2, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'gre', tunnelChecksum: 'csum' } },
      'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.3:80 -i -w 2 --tun-type gre --tun-csum',
    ],
    [{ op: 'delete-server', service: { protocol: 'sctp', address: '10.0.0.1', port: 3868 }, server: { address: '10.0.1.2', port: 3868 } }, 'ipvsadm -d --sctp-service 10.0.0.1:3868 -r 10.0.1.2:3868'],
    [{ op: 'set-timeouts', timeouts: { tcp: 900, tcpfin: 0, udp: 300 } }, 'ipvsadm --set 900 0 300'],
    [
      { op: 'start-daemon', daemon: { state: 'backup', interface: 'sync0', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 } },
      'ipvsadm --start-daemon backup --mcast-interface sync0 --syncid 9 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8850 --mcast-ttl 2',
    ],
    [{ op: 'stop-daemon', state: 'master', syncId: 3 }, 'ipvsadm --stop-daemon master --syncid 3'],
  ];
  it.each(cases)('%j', (op, line) => {
    expect(opToCommandLine(op)).toBe(line);
    expect(opToArgv(op)).toEqual(line.split(' ').slice(1));
    // and ipvsadm's own reading of that argv gives the op back
    expect(argvToOp(opToArgv(op))).toEqual(op);
  });

  it('quotes what a shell would split, for humans', () => {
    expect(opToCommandLine({ op: 'start-daemon', daemon: { state: 'master', interface: 'we ird', syncId: 0 } })).toContain("--mcast-interface 'we ird'");
  });
});

describe('opsToRestoreBatch', () => {
  it('is one line per op, no comments, and ipvsadm -R of it builds what applyOps builds', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 5, maxServers: 4, globals: true }), (c) => {
        const ops = plan(c, emptyConfig());
        const batch = opsToRestoreBatch(ops);
        expect(batch.split('\n')).toHaveLength(ops.length + 1);
        expect(batch).not.toContain('#');
        expect(parseRules(batch)).toEqual(applyOps(emptyConfig(), ops));
      }),
      { numRuns: 200 },
    );
  });

  it('replayed by `ipvsadm -R` on the actual table, the batch of a plan gives the desired table', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 5, maxServers: 4, globals: true, overlays: true }), configArb({ maxServices: 5, maxServers: 4, globals: true }), (d, a) => {
        const after = parseRules(opsToRestoreBatch(plan(d, a)), { base: a });
        expect(after.services).toEqual(kernelView(d).services);
        expect(plan(d, after)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('every op survives opToArgv -> ipvsadm argv interpretation', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 5, maxServers: 4, globals: true }), configArb({ maxServices: 3, globals: true }), (d, a) => {
        for (const op of plan(d, a)) expect(argvToOp(opToArgv(op))).toEqual(op);
      }),
      { numRuns: 200 },
    );
  });
});

describe("applyOps: the kernel's refusals", () => {
  const start = parseRules('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:80\n');
  const rs = (address: string, extra: Partial<RealServerSpec> = {}): RealServerSpec => ({ address, port: 80, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0, ...extra });
  const cases: [Op, IpvsadmError['kind'], string][] = [
    [{ op: 'add-service', service: start.services[0]! }, 'exists', 'Service already exists'],
    [{ op: 'edit-service', service: DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.9', port: 80 }] }).services[0]! }, 'no-service', 'No such service'],
    [{ op: 'delete-service', service: { protocol: 'fwmark', fwmark: 1, family: 'inet' } }, 'no-service', 'No such service'],
    [{ op: 'add-server', service: { ...svc80, port: 81 }, server: rs('10.0.1.1') }, 'no-service', 'Service not defined'],
    [{ op: 'add-server', service: svc80, server: rs('10.0.1.1') }, 'exists', 'Destination already exists'],
    [{ op: 'edit-server', service: svc80, server: rs('10.0.1.9') }, 'not-found', 'No such destination'],
    [{ op: 'delete-server', service: svc80, server: { address: '10.0.1.9', port: 80 } }, 'not-found', 'No such destination'],
    [{ op: 'add-server', service: svc80, server: rs('10.0.1.2', { lowerThreshold: 5 }) }, 'range', 'Numerical result out of range'],
    [{ op: 'stop-daemon', state: 'backup' }, 'not-found', 'No daemon is running'],
  ];
  it.each(cases)('%j -> %s', (op, kind, message) => {
    try {
      applyOps(start, [op]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IpvsadmError);
      expect((e as IpvsadmError).kind).toBe(kind);
      expect((e as IpvsadmError).message).toBe(message);
      expect((e as IpvsadmError).op).toEqual(op);
    }
  });

  it('does not modify its input and returns a canonical config', () => {
    const before = structuredClone(start);
    const after = applyOps(start, [
      { op: 'add-server', service: svc80, server: rs('10.0.0.200') },
      { op: 'add-server', service: svc80, server: rs('10.0.0.100') },
    ]);
    expect(start).toEqual(before);
    expect(DirectorConfigSchema.parse(after)).toEqual(after);
    expect(after.services[0]!.realServers.map((r) => r.address)).toEqual(['10.0.0.100', '10.0.0.200', '10.0.1.1']);
  });

  it('--set 0 leaves that timeout as it was', () => {
    const a = applyOps(emptyConfig(), [
      { op: 'set-timeouts', timeouts: { tcp: 900, tcpfin: 120, udp: 300 } },
      { op: 'set-timeouts', timeouts: { tcp: 0, tcpfin: 60, udp: 0 } },
    ]);
    expect(a.globals.timeouts).toEqual({ tcp: 900, tcpfin: 60, udp: 300 });
  });
});

describe('summarizeOps', () => {
  const before = parseRules('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -w 0\n-a -t 10.0.0.1:80 -r 10.0.1.3:80 -w 5\n-A -t 10.0.0.2:80\n');
  it('counts by kind, in the words of the UI', () => {
    const after = parseRules(
      '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -w 3\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -w 2\n-a -t 10.0.0.1:80 -r 10.0.1.3:80 -w 0\n-a -t 10.0.0.1:80 -r 10.0.1.4:80 -m\n-A -u 10.0.0.3:53\n',
    );
    const p = plan(after, before);
    expect(summarizeOps(p, before)).toBe('+1 service, 1 service changed, 1 service removed, +1 real server, 1 weight changed, 1 real server quiesced (weight 0), 1 real server back in service');
    expect(summarizeOps(p)).toBe('+1 service, 1 service changed, 1 service removed, +1 real server, 3 real servers changed');
    expect(summarizeOps([])).toBe('no changes');
  });

  it('two weight changes read as such', () => {
    const after = parseRules(printRules(before).replace('10.0.1.1:80 -g -w 1', '10.0.1.1:80 -g -w 4').replace('10.0.1.3:80 -g -w 5', '10.0.1.3:80 -g -w 6'));
    expect(summarizeOps(plan(after, before), before)).toBe('2 weights changed');
    expect(summarizeOps([...plan(after, before), { op: 'delete-server', service: svc80, server: { address: '10.0.1.2', port: 80 } }], before)).toBe('2 weights changed, 1 real server removed');
  });
});

describe('applyOps with the planner', () => {
  it('reaches the kernel view of any desired config from any actual one', () => {
    fc.assert(
      fc.property(configArb({ overlays: true }), configArb(), (d: DirectorConfig, a: DirectorConfig) => {
        expect(applyOps(a, plan(d, a)).services).toEqual(kernelView(d).services);
      }),
      { numRuns: 100 },
    );
  });
});
