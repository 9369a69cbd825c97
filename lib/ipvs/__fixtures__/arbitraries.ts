// Test-only fast-check generators of valid director configs: every protocol, fwmark v4/v6, IPv6,
// all tunnel types, persistence with masks and PE, scheduler flags, one-packet scheduling,
// thresholds, globals. Output is canonical (parsed by DirectorConfigSchema).
import fc from 'fast-check';
import { DirectorConfigSchema, MAX_FWMARK, MAX_WEIGHT, SCHEDULERS, type DirectorConfig, type DirectorConfigInput } from '../model';
import { serviceKeyId } from '../keys';
import { formatIPv6, intToIPv4 } from '../addr';

export const ipv4 = fc.oneof(
  // small pools so that collisions, sorting ties and neighbours happen
  fc.tuple(fc.constantFrom(10, 172, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.')),
  // anywhere in the space, including addresses 2^31 apart (ipvsadm's sort quirk)
  fc.integer({ min: 0x01000000, max: 0xdfffffff }).map(intToIPv4),
);

export const ipv6 = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 0xffff })).map(([a, b]) => formatIPv6([0x2001, 0xdb8, a, 0, 0, 0, 0, b])),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => formatIPv6([0x2000 | (g[0]! & 0x1fff), ...g.slice(1)])),
);

const port = fc.oneof(fc.constantFrom(80, 443, 53, 8080), fc.integer({ min: 1, max: 65535 }));
const weight = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: MAX_WEIGHT }));

const thresholds = fc.oneof(
  fc.constant({ upperThreshold: 0, lowerThreshold: 0 }),
  fc.integer({ min: 1, max: 100000 }).chain((u) => fc.integer({ min: 0, max: u }).map((l) => ({ upperThreshold: u, lowerThreshold: l }))),
);

type Fam = 'inet' | 'inet6';

function realServer(family: Fam, svcPort: number | null, opts: { thresholds: boolean }) {
  const tunnel = fc.oneof(
    fc.constant({ tunnelType: 'ipip' as const }),
    fc.record({ tunnelType: fc.constant('gue' as const), tunnelPort: fc.integer({ min: 1, max: 65535 }), tunnelChecksum: fc.constantFrom('nocsum' as const, 'csum' as const, 'remcsum' as const) }),
    fc.record({ tunnelType: fc.constant('gre' as const), tunnelChecksum: fc.constantFrom('nocsum' as const, 'csum' as const) }),
  );
  const sameFamily = family === 'inet' ? ipv4 : ipv6;
  const anyFamily = fc.oneof(ipv4, ipv6);
  const th = opts.thresholds ? thresholds : fc.constant({ upperThreshold: 0, lowerThreshold: 0 });
  const p = (fwd: 'route' | 'masq' | 'tunnel') => (svcPort === null || fwd === 'masq' ? fc.oneof(fc.constant(svcPort ?? 0), port) : fc.constant(svcPort));
  return fc.oneof(
    fc.tuple(sameFamily, p('route'), weight, th).map(([address, port, weight, t]) => ({ address, port, forwarding: 'route' as const, weight, ...t })),
    fc.tuple(sameFamily, p('masq'), weight, th).map(([address, port, weight, t]) => ({ address, port, forwarding: 'masq' as const, weight, ...t })),
    fc.tuple(anyFamily, p('tunnel'), weight, th, tunnel).map(([address, port, weight, t, tun]) => ({ address, port, forwarding: 'tunnel' as const, weight, ...t, ...tun })),
  );
}

const scheduler = fc.constantFrom(...SCHEDULERS);

/**
 * Scheduler flags. Under sh/mh, flag-3 comes only alone: next to another flag ipvsadm cannot
 * show it, the planner deliberately ignores it there (plan.ts observableFlags), and the tests of
 * that case are explicit.
 */
function flagsFor(sched: string) {
  if (sched === 'sh' || sched === 'mh') return fc.oneof({ weight: 4, arbitrary: fc.subarray([`${sched}-fallback`, `${sched}-port`]) }, { weight: 1, arbitrary: fc.constant(['flag-3']) });
  return fc.subarray(['flag-1', 'flag-2', 'flag-3']);
}

function persistence(family: Fam) {
  const mask = family === 'inet' ? fc.oneof(fc.constant(undefined), fc.constantFrom('255.255.255.0', '255.255.0.0', '255.0.255.0'), ipv4) : fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 128 }).map(String));
  return fc.record({ timeout: fc.oneof(fc.constantFrom(360, 60, 300), fc.integer({ min: 1, max: 2678400 })), netmask: mask, pe: fc.constantFrom(undefined, 'sip' as const) }, { requiredKeys: ['timeout'] });
}

export interface ConfigArbOptions {
  maxServices?: number;
  maxServers?: number;
  /** thresholds -x/-y (not in ipvsadm -S) */
  thresholds?: boolean;
  globals?: boolean;
  /** health checks and drain marks (control-plane overlays) */
  overlays?: boolean;
}

const daemonArb = (state: 'master' | 'backup') =>
  fc.record(
    {
      state: fc.constant(state),
      interface: fc.constantFrom('eth0', 'eth1', 'bond0', 'sync0'),
      syncId: fc.integer({ min: 0, max: 255 }),
      maxLen: fc.integer({ min: 1, max: 65507 }),
      group: fc.constantFrom('224.0.0.81', '239.1.2.3', 'ff02::81'),
      port: fc.integer({ min: 1, max: 65535 }),
      ttl: fc.integer({ min: 1, max: 255 }),
    },
    { requiredKeys: ['state', 'interface', 'syncId'] },
  );

const healthCheck = fc.record({
  type: fc.constantFrom('tcp' as const, 'http' as const, 'https' as const),
  path: fc.constantFrom('/', '/healthz'),
  interval: fc.integer({ min: 1, max: 60 }),
  timeout: fc.integer({ min: 1, max: 30 }),
  fall: fc.integer({ min: 1, max: 5 }),
  onFailure: fc.constantFrom('quiesce' as const, 'remove' as const),
});

/** Any valid service (as model input), with consistent real servers. */
export function serviceArb(o: ConfigArbOptions = {}) {
  const maxServers = o.maxServers ?? 4;
  const addrService = fc.tuple(fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const), fc.constantFrom('inet' as const, 'inet6' as const)).chain(([protocol, family]) =>
    fc.tuple(family === 'inet' ? ipv4 : ipv6, fc.oneof(port, fc.constant(0))).chain(([address, p]) =>
      fc.record({
        protocol: fc.constant(protocol),
        address: fc.constant(address),
        port: fc.constant(p),
        persistence: p === 0 ? persistence(family) : fc.option(persistence(family), { nil: undefined }),
        onePacket: protocol === 'udp' ? fc.boolean() : fc.constant(false),
        realServers: fc.array(realServer(family, p, { thresholds: o.thresholds ?? true }), { maxLength: maxServers }),
      }),
    ),
  );
  const fwService = fc.constantFrom('inet' as const, 'inet6' as const).chain((family) =>
    fc.record({
      protocol: fc.constant('fwmark' as const),
      fwmark: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: MAX_FWMARK })),
      family: fc.constant(family),
      persistence: fc.option(persistence(family), { nil: undefined }),
      onePacket: fc.boolean(),
      realServers: fc.array(realServer(family, null, { thresholds: o.thresholds ?? true }), { maxLength: maxServers }),
    }),
  );
  return fc.tuple(fc.oneof({ weight: 3, arbitrary: addrService }, { weight: 1, arbitrary: fwService }), scheduler).chain(([svc, sched]) =>
    fc.tuple(flagsFor(sched), o.overlays ? fc.option(healthCheck, { nil: undefined }) : fc.constant(undefined), o.overlays ? fc.array(fc.boolean(), { minLength: svc.realServers.length, maxLength: svc.realServers.length }) : fc.constant([] as boolean[])).map(([schedFlags, hc, drains]) => ({
      ...svc,
      scheduler: sched,
      schedFlags,
      ...(hc ? { healthCheck: hc } : {}),
      realServers: dedupeServers(svc.realServers).map((r, i) => (drains[i] ? { ...r, drain: { timeout: 60 } } : r)),
    })),
  );
}

function dedupeServers<T extends { address: string; port: number }>(rs: T[]): T[] {
  const seen = new Set<string>();
  return rs.filter((r) => {
    const k = `${r.address}|${r.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A valid canonical DirectorConfig. */
export function configArb(o: ConfigArbOptions = {}): fc.Arbitrary<DirectorConfig> {
  const globals = o.globals
    ? fc.record({
        timeouts: fc.option(fc.record({ tcp: fc.integer({ min: 0, max: 7200 }), tcpfin: fc.integer({ min: 0, max: 600 }), udp: fc.integer({ min: 0, max: 600 }) }), { nil: null }),
        syncDaemons: fc.tuple(fc.option(daemonArb('master'), { nil: undefined }), fc.option(daemonArb('backup'), { nil: undefined })).map(([m, b]) => [m, b].filter((d) => d !== undefined)),
      })
    : fc.constant({ timeouts: null, syncDaemons: [] });
  return fc
    .tuple(globals, fc.array(serviceArb(o), { maxLength: o.maxServices ?? 5 }))
    .map(([g, services]) => {
      const seen = new Set<string>();
      const unique = services.filter((s) => {
        const k = serviceKeyId(s as never);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      return DirectorConfigSchema.parse({ globals: g, services: unique } as DirectorConfigInput);
    });
}

/**
 * The config as ipvsadm -S keeps it: no thresholds, globals, health checks or drain marks, and no
 * flag-3 on sh/mh next to another flag (print_sched_flags has no name for it there).
 */
export function saveView(c: DirectorConfig): DirectorConfig {
  return {
    globals: { timeouts: null, syncDaemons: [] },
    services: c.services.map(({ healthCheck: _h, ...s }) => ({
      ...s,
      schedFlags: (s.scheduler === 'sh' || s.scheduler === 'mh') && s.schedFlags.length > 1 ? s.schedFlags.filter((f) => f !== 'flag-3') : s.schedFlags,
      realServers: s.realServers.map(({ drain: _d, ...r }) => ({ ...r, upperThreshold: 0, lowerThreshold: 0 })),
    })) as DirectorConfig['services'],
  };
}

/** Only what the kernel holds: no health checks, no drain marks. */
export function kernelView(c: DirectorConfig): DirectorConfig {
  return {
    globals: c.globals,
    services: c.services.map(({ healthCheck: _h, ...s }) => ({ ...s, realServers: s.realServers.map(({ drain: _d, ...r }) => r) })) as DirectorConfig['services'],
  };
}

/** ipvsadm's command and option words, for fuzzing its command line (the parsers must refuse junk cleanly, never crash). */
export const IPVSADM_OPTION_WORDS = [
  ...['-A', '-E', '-D', '-a', '-e', '-d', '-C', '-L', '-Ln', '-n', '-Z', '-S', '-R', '-h', '-v', '--set', '--start-daemon', '--stop-daemon'],
  ...['-t', '-u', '-f', '-6', '--sctp-service', '-s', '-p', '-M', '-r', '-g', '-m', '-i', '-w', '-x', '-y', '-b', '-o'],
  ...['--pe', '--tun-type', '--tun-port', '--tun-csum', '--syncid', '--mcast-group'],
];

/** Up to `lines` lines of up to `words` space-separated `word`s: junk for a line-oriented parser. */
export const junkText = (word: fc.Arbitrary<string>, words: number, lines: number): fc.Arbitrary<string> =>
  fc.array(fc.array(word, { maxLength: words }).map((w) => w.join(' ')), { maxLength: lines }).map((l) => l.join('\n'));
