import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import v8 from 'node:v8';
import vm from 'node:vm';
import { formatConnList, formatDaemons, formatLargenum, formatList, formatPersistentConn, formatProcConn, formatProcConnLine } from './index';
import { formatProcIpVs, formatProcStats, formatRateListing, formatStatsListing, formatThresholds, formatTimeouts, formatVersion, mergeThresholds } from './index';
import { parseConnList, parseDaemons, parseLargenum, parseList, parsePersistentConn, parseProcConnLine, parseProcIpVs } from './index';
import { parseProcStats, parseRateListing, parseStatsListing, parseThresholds, parseTimeouts, parseVersion, streamProcConn, type ListResult } from './index';
import { ListingParseError, ValidationError, IpvsadmError } from '../errors';
import { parseRules, printRules as printRulesOf } from '../rules';
import { DirectorConfigSchema, type DirectorConfig } from '../model';
import { connEntry, PERSISTENCE_TEMPLATE } from '../__fixtures__/builders';
import { ZERO_COUNTERS, ZERO_RATES, type ConnEntry, type StatsSnapshot } from '../stats';
import { fixture } from '../__fixtures__/load';
import { configArb, saveView } from '../__fixtures__/arbitraries';

/** A snapshot carrying the live numbers a listing showed, so the formatter can print them again. */
function snapshotOf(
  services: { service: StatsSnapshot['services'][number]['service']; realServers: { address: string; port: number; activeConns?: number; inactConns?: number; persistConns?: number }[] }[],
): StatsSnapshot {
  return {
    at: 0,
    totals: { counters: ZERO_COUNTERS, rates: ZERO_RATES },
    services: services.map((s) => ({
      service: s.service,
      counters: ZERO_COUNTERS,
      rates: ZERO_RATES,
      realServers: s.realServers.map((r) => ({
        address: r.address,
        port: r.port,
        activeConns: r.activeConns ?? 0,
        inactConns: r.inactConns ?? 0,
        persistConns: r.persistConns ?? 0,
        counters: ZERO_COUNTERS,
        rates: ZERO_RATES,
      })),
    })),
  };
}

const reprintList = (p: ListResult, _text: string) =>
  formatList(p.config, snapshotOf(p.services), { service: p.version === null ? p.services[0]?.service : undefined, tunInfo: p.tunnelInfo, connTableSize: p.connTableSize ?? undefined });

function listingError(f: () => unknown): ListingParseError {
  try {
    f();
  } catch (e) {
    if (e instanceof ListingParseError) return e;
    throw e;
  }
  throw new Error('expected ListingParseError');
}

describe('ipvsadm -Ln', () => {
  const LISTS = [
    '004_noargs_empty',
    '005_long_list_numeric',
    '014_list',
    '022_list_sort',
    '031_list_after_E',
    '033_list_after_e',
    '093_list_after_deletes',
    '152_list_after_clear',
    '178_clear_final',
    '201_traffic_add_service',
    '020_list_one_service',
    '028_long_options',
    '130_dr_port_ignored',
    '230_traffic6_add_service',
  ];
  it.each(LISTS)('%s: parses, and formatList prints it back byte for byte', (name) => {
    const text = fixture(name).stdout;
    const p = parseList(text);
    expect(reprintList(p, text)).toBe(text);
    expect(DirectorConfigSchema.parse(p.config)).toEqual(p.config);
  });

  it('values: banner, services, forwarding, weights and connection counts', () => {
    const p = parseList(fixture('093_list_after_deletes').stdout);
    expect(p).toMatchObject({ version: '1.2.1', connTableSize: 4096, tunnelInfo: false });
    expect(p.services).toHaveLength(24);
    expect(p.services[0]).toEqual({
      service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
      settings: { scheduler: 'wrr', schedFlags: [], onePacket: false },
      realServers: [
        { address: '192.168.10.11', port: 80, forwarding: 'masq', weight: 4, activeConns: 0, inactConns: 0 },
        { address: '192.168.10.12', port: 80, forwarding: 'route', weight: 0, activeConns: 0, inactConns: 0 },
      ],
    });
    const by = (label: string) => p.config.services.find((s) => (s.protocol === 'fwmark' ? `FWM ${s.fwmark} ${s.family}` : `${s.protocol} ${s.address}:${s.port}`) === label)!;
    expect(by('tcp 10.0.0.6:80').schedFlags).toEqual(['sh-fallback', 'sh-port']);
    expect(by('udp 10.0.0.1:5060').onePacket).toBe(true);
    expect(by('udp 10.0.0.7:5060').persistence).toEqual({ timeout: 60, pe: 'sip' });
    expect(by('tcp 2001:db8::2:443').persistence).toEqual({ timeout: 120, netmask: '64' });
    expect(by('tcp 10.0.0.4:80').realServers.map((r) => r.forwarding)).toEqual(['tunnel', 'tunnel', 'tunnel']);
    expect(by('FWM 3 inet6').realServers.map((r) => r.address)).toEqual(['2001:db8::20', '2001:db8::22']);
    // the same table, read from -Ln and from -S (076 before the deletes) agrees where both speak
    const saved = parseRules(fixture('150_save_before_clear').stdout);
    expect(saved.services.find((s) => s.protocol === 'tcp' && s.address === '10.0.0.6')).toEqual(by('tcp 10.0.0.6:80'));
  });

  it('014/031/033/028/029: the scheduler edit, the weight edit and long options as the listings show them', () => {
    const weights = (name: string) => parseList(fixture(name).stdout).services[0]!.realServers.map((r) => r.weight);
    expect(parseList(fixture('014_list').stdout).services[0]!.settings.scheduler).toBe('wrr');
    expect(parseList(fixture('031_list_after_E').stdout).services[0]!.settings.scheduler).toBe('rr');
    expect(weights('031_list_after_E')).toEqual([1, 2, 3]);
    expect(weights('033_list_after_e')).toEqual([1, 0, 3]);
    expect(parseList(fixture('028_long_options').stdout).config.services[0]).toMatchObject({
      scheduler: 'rr',
      persistence: { timeout: 30 },
      realServers: [{ address: '192.168.10.61', forwarding: 'masq', weight: 2 }],
    });
    const out = fixture('029_persistent_default').stdout;
    const listing = out.slice(0, out.indexOf('-A '));
    expect(parseList(listing).config.services[0]).toMatchObject({ address: '10.0.0.13', port: 80, scheduler: 'wlc', persistence: { timeout: 360 } });
    expect(parseRules(out.slice(out.indexOf('-A '))).services[0]!.persistence).toEqual({ timeout: 360 });
  });

  it('301: active/inactive counts of a live table (and the blank line console.log adds)', () => {
    const p = parseList(fixture('301_node_ipvsadm').stdout);
    expect(p.services[1]!.realServers.map((r) => [r.address, r.weight, r.activeConns, r.inactConns])).toEqual([
      ['2001:db8:20:1::2', 1, 0, 2],
      ['2001:db8:20:2::2', 2, 0, 4],
      ['2001:db8:20:3::2', 3, 0, 6],
    ]);
  });

  it('130: 65536 and the DR port replaced by the service port', () => {
    const p = parseList(fixture('130_dr_port_ignored').stdout);
    expect(p.version).toBeNull();
    expect(p.services[0]!.realServers.map((r) => `${r.address}:${r.port} ${r.weight}`)).toEqual(['192.168.10.11:80 4', '192.168.10.12:80 0', '192.168.10.95:80 1', '192.168.10.98:80 65536']);
  });

  it('--tun-info: tunnel types, ports and checksum flags, round trip', () => {
    const config = parseRules(fixture('076_save_all_n').stdout);
    const text = formatList(config, null, { tunInfo: true });
    expect(text).toContain('  -> 192.168.10.32:80             Tunnel  gue:6080:-c   1      0          0         \n');
    expect(text).toContain('  -> 192.168.10.33:80             Tunnel  gre:+c        1      0          0         \n');
    expect(text).toContain('  -> 192.168.10.11:80             Masq    n/a           4      0          0         \n');
    const p = parseList(text);
    expect(p.tunnelInfo).toBe(true);
    expect(p.config).toEqual(config);
  });

  it('a listing made without -n (names) is refused with the reason, on every line', () => {
    const e = listingError(() => parseList(fixture('078_list_names_all').stdout));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.issues[0]!.line).toBe(4);
    expect(e.issues[0]!.message).toMatch(/"http" is not a numeric port \(was the listing made without -n\?\)/);
    expect(listingError(() => parseList(fixture('026_noargs_with_rules').stdout)).issues).toHaveLength(4);
  });

  it('formatList -t of a missing service fails like ipvsadm (No such service, exit 1)', () => {
    try {
      formatList(parseRules('-A -t 10.0.0.1:80\n'), null, { service: { protocol: 'tcp', address: '10.0.0.99', port: 80 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ kind: 'no-service', message: 'No such service', exitCode: 1 });
      expect(e).toBeInstanceOf(IpvsadmError);
    }
  });

  it('"()" is how sh shows the flag-3 bit; "Local" reads as route', () => {
    const text =
      'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.0.0.1:80 sh ()\n  -> 10.0.0.1:80                  Local   1      0          0         \n';
    const p = parseList(text);
    expect(p.services[0]!.settings.schedFlags).toEqual(['flag-3']);
    expect(p.services[0]!.realServers[0]!.forwarding).toBe('local');
    expect(p.config.services[0]!.realServers[0]!.forwarding).toBe('route');
  });

  it('formatList/parseList round trip on any config (thresholds aside)', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 5, thresholds: false }), (c) => {
        const p = parseList(formatList(c, null, { tunInfo: true }));
        // the listing shows what -S shows (sh/mh cannot name flag-3 next to another flag either)
        expect(p.config.services).toEqual(saveView(c).services);
      }),
      { numRuns: 150 },
    );
  });
});

describe('ipvsadm -Ln --stats / --rate', () => {
  const STATS = [
    '017_list_stats_exact',
    '075_list_all_stats',
    '204_traffic_stats',
    '205_traffic_stats_exact',
    '214_traffic_stats_immediately',
    '219_traffic_zero',
    '221_traffic_stats_no_rs',
    '232_traffic6_stats',
  ];
  it.each(STATS)('%s: parses, and formatStatsListing prints it back', (name) => {
    const text = fixture(name).stdout;
    const p = parseStatsListing(text);
    const snap: StatsSnapshot = {
      at: 0,
      totals: { counters: ZERO_COUNTERS, rates: ZERO_RATES },
      services: p.services.map((s) => ({ ...s, rates: ZERO_RATES, realServers: s.realServers.map((r) => ({ ...r, activeConns: 0, inactConns: 0, persistConns: 0, rates: ZERO_RATES })) })),
    };
    expect(formatStatsListing(snap, { exact: name.includes('exact'), service: p.version === null ? p.services[0]!.service : undefined })).toBe(text);
    expect(p.exact).toBe(true);
  });

  it('204: counters per service and real server', () => {
    const p = parseStatsListing(fixture('204_traffic_stats').stdout);
    expect(p.services).toEqual([
      {
        service: { protocol: 'tcp', address: '10.10.0.1', port: 80 },
        counters: { conns: 30, inPkts: 182, outPkts: 180, inBytes: 11864, outBytes: 15930 },
        realServers: [
          { address: '10.20.1.2', port: 80, counters: { conns: 5, inPkts: 30, outPkts: 30, inBytes: 1960, outBytes: 2655 } },
          { address: '10.20.2.2', port: 80, counters: { conns: 10, inPkts: 60, outPkts: 60, inBytes: 3920, outBytes: 5310 } },
          { address: '10.20.3.2', port: 80, counters: { conns: 15, inPkts: 92, outPkts: 90, inBytes: 5984, outBytes: 7965 } },
        ],
      },
    ]);
    const v6 = parseStatsListing(fixture('232_traffic6_stats').stdout);
    expect(v6.version).toBeNull();
    expect(v6.services[0]!.realServers[2]).toEqual({ address: '2001:db8:20:3::2', port: 80, counters: { conns: 6, inPkts: 37, outPkts: 36, inBytes: 3186, outBytes: 3906 } });
    expect(parseStatsListing(fixture('075_list_all_stats').stdout).services.map((s) => s.service.protocol)).toContain('fwmark');
  });

  it.each(['016_list_rate', '218_traffic_rate_later', '235_traffic6_rate'])('%s: rates parse and print back', (name) => {
    const text = fixture(name).stdout;
    const p = parseRateListing(text);
    const snap: StatsSnapshot = {
      at: 0,
      totals: { counters: ZERO_COUNTERS, rates: ZERO_RATES },
      services: p.services.map((s) => ({ ...s, counters: ZERO_COUNTERS, realServers: s.realServers.map((r) => ({ ...r, activeConns: 0, inactConns: 0, persistConns: 0, counters: ZERO_COUNTERS })) })),
    };
    expect(formatRateListing(snap)).toBe(text);
  });

  it('218: rates in conn/s, packets/s, bytes/s', () => {
    const p = parseRateListing(fixture('218_traffic_rate_later').stdout);
    expect(p.services[0]!.rates).toEqual({ cps: 3, inpps: 19, outpps: 19, inbps: 1235, outbps: 1653 });
    expect(p.services[0]!.realServers[2]!.rates).toEqual({ cps: 2, inpps: 10, outpps: 9, inbps: 621, outbps: 831 });
  });

  it('print_largenum: K/M/G/T suffixes (decimal, truncated) and --exact widths, as in the reference', () => {
    expect([1234, 250000000, 123456789012, 98765432109, 987654321098765].map((n) => formatLargenum(n, false))).toEqual(['     1234', '  250000K', '     123G', '   98765M', '     987T']);
    expect([1234, 12345678, 123456789, 987654321098765].map((n) => formatLargenum(n, true))).toEqual(['     1234', ' 12345678', ' 123456789', ' 987654321098765']);
    expect(parseLargenum('250000K')).toEqual({ value: 250000000, exact: false });
    expect(parseLargenum('123')).toEqual({ value: 123, exact: true });
    expect(parseLargenum('12X')).toBeNull();
  });

  it('the reference sample with suffixes parses to lower bounds and says it is not exact', () => {
    const text = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      '  -> RemoteAddress:Port',
      'TCP  10.0.0.1:443                  250000K     123G   98765M     987T     123T',
      '  -> 192.168.1.2:8443              250000K     123G   98765M     987T     123T',
      '',
    ].join('\n');
    const p = parseStatsListing(text);
    expect(p.exact).toBe(false);
    expect(p.services[0]!.counters).toEqual({ conns: 250e6, inPkts: 123e9, outPkts: 98765e6, inBytes: 987e12, outBytes: 123e12 });
    const exact = text
      .replace(/250000K/g, '250000000')
      .replace(/  123G/g, ' 123456789012')
      .replace(/ 98765M/g, ' 98765432109')
      .replace(/  987T/g, ' 987654321098765')
      .replace(/  123T/g, ' 123456789012345');
    expect(parseStatsListing(exact).services[0]!.counters).toEqual({ conns: 250000000, inPkts: 123456789012, outPkts: 98765432109, inBytes: 987654321098765, outBytes: 123456789012345 });
  });

  it('formatStatsListing then parseStatsListing gives the counters back (exactly with --exact)', () => {
    const big = fc.oneof(fc.nat({ max: 99999999 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const counters = fc.record({ conns: big, inPkts: big, outPkts: big, inBytes: big, outBytes: big });
    fc.assert(
      fc.property(fc.array(counters, { minLength: 1, maxLength: 4 }), (cs) => {
        const snap: StatsSnapshot = {
          at: 0,
          totals: { counters: ZERO_COUNTERS, rates: ZERO_RATES },
          services: cs.map((c, i) => ({ service: { protocol: 'fwmark', fwmark: i + 1, family: 'inet' }, counters: c, rates: ZERO_RATES, realServers: [] })),
        };
        expect(parseStatsListing(formatStatsListing(snap, { exact: true })).services.map((s) => s.counters)).toEqual(cs);
        const approx = parseStatsListing(formatStatsListing(snap));
        approx.services.forEach((s, i) => {
          for (const k of Object.keys(s.counters) as (keyof typeof s.counters)[]) {
            expect(s.counters[k]).toBeLessThanOrEqual(cs[i]![k]);
            // the suffix ranges start at 100 units, so truncation loses less than 1%
            expect(s.counters[k]).toBeGreaterThan(cs[i]![k] * 0.99 - 1);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('ipvsadm -Ln --thresholds / --persistent-conn', () => {
  const config = parseRules(
    '-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 1 -x 1000 -y 800\n-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 2\n-A -f 10 -s wlc -p 300\n-a -f 10 -r 192.168.1.2:0 -g -w 0\n',
  );
  const live = snapshotOf([
    {
      service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
      realServers: [
        { address: '192.168.1.2', port: 80, activeConns: 3, inactConns: 12 },
        { address: '192.168.1.3', port: 80, activeConns: 5, inactConns: 20 },
      ],
    },
    { service: { protocol: 'fwmark', fwmark: 10, family: 'inet' }, realServers: [{ address: '192.168.1.2', port: 0, activeConns: 1, inactConns: 2, persistConns: 3 }] },
  ]);

  it('--thresholds prints the reference layout and parses back to the thresholds', () => {
    const text = formatThresholds(config, live);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ',
      '  -> RemoteAddress:Port',
      'TCP  10.0.0.1:80 wlc',
      '  -> 192.168.1.2:80               1000       800        3          12        ',
      '  -> 192.168.1.3:80               0          0          5          20        ',
    ]);
    const p = parseThresholds(text);
    expect(p.services[0]!.realServers[0]).toEqual({ address: '192.168.1.2', port: 80, upperThreshold: 1000, lowerThreshold: 800, activeConns: 3, inactConns: 12 });
    expect(p.services[1]!.settings.persistence).toEqual({ timeout: 300 });
    // -S forgets thresholds; the listing puts them back
    const saved = parseRules(
      config.services.length
        ? '-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 1\n-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 2\n-A -f 10 -s wlc -p 300\n-a -f 10 -r 192.168.1.2:0 -g -w 0\n'
        : '',
    );
    expect(mergeThresholds(saved, p)).toEqual(config);
  });

  it('019: --persistent-conn of a real table, printed back; and template counts', () => {
    const text = fixture('019_list_persistent_conn').stdout;
    const p = parsePersistentConn(text);
    expect(p.services[0]!.realServers.map((r) => [r.address, r.weight, r.persistConns])).toEqual([
      ['192.168.10.11', 1, 0],
      ['192.168.10.12', 2, 0],
      ['192.168.10.13', 3, 0],
    ]);
    const cfg = parseRules('-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 192.168.10.11:80 -w 1\n-a -t 10.0.0.1:80 -r 192.168.10.12:80 -w 2\n-a -t 10.0.0.1:80 -r 192.168.10.13:80 -w 3\n');
    expect(formatPersistentConn(cfg, null)).toBe(text);
    expect(parsePersistentConn(formatPersistentConn(config, live)).services[1]!.realServers[0]).toEqual({ address: '192.168.1.2', port: 0, weight: 0, persistConns: 3, activeConns: 1, inactConns: 2 });
  });
});

describe('ipvsadm -Lnc', () => {
  it.each(['177_list_conn_empty', '207_traffic_conn', '233_traffic6_conn'])('%s: parses and prints back', (name) => {
    const text = fixture(name).stdout;
    expect(formatConnList(parseConnList(text))).toBe(text);
  });

  it('207/233: entries with values; 216: the persistence template (client port 0, ASSURED)', () => {
    const e = parseConnList(fixture('207_traffic_conn').stdout);
    expect(e).toHaveLength(30);
    expect(e[0]).toEqual({
      protocol: 'TCP',
      clientAddress: '10.30.0.2',
      clientPort: 50374,
      virtualAddress: '10.10.0.1',
      virtualPort: 80,
      destAddress: '10.20.3.2',
      destPort: 80,
      state: 'TIME_WAIT',
      expires: 116,
      template: false,
    });
    const v6 = parseConnList(fixture('233_traffic6_conn').stdout).filter((c) => c.clientAddress.includes(':'));
    expect(v6).toHaveLength(12);
    expect(v6[0]).toMatchObject({ clientAddress: '2001:db8:30::2', clientPort: 34548, virtualAddress: '2001:db8:10::1', destAddress: '2001:db8:20:3::2', expires: 116 });
    const out = fixture('216_traffic_persistence').stdout;
    const t = parseConnList(out.slice(out.indexOf('IPVS connection entries')));
    expect(t).toEqual([PERSISTENCE_TEMPLATE]);
  });

  it("--persistent-conn adds PE columns (ipvsadm's own misaligned widths)", () => {
    const entries: ConnEntry[] = [
      {
        protocol: 'UDP',
        clientAddress: '192.168.0.5',
        clientPort: 5060,
        virtualAddress: '10.0.0.7',
        virtualPort: 5060,
        destAddress: '10.0.1.2',
        destPort: 5060,
        state: 'UDP',
        expires: 299,
        template: false,
        pe: 'sip',
        peData: 'a84b4c76e66710',
      },
      {
        protocol: 'IP',
        clientAddress: '192.168.0.101',
        clientPort: 0,
        virtualAddress: '0.0.0.10',
        virtualPort: 0,
        destAddress: '192.168.1.2',
        destPort: 0,
        state: 'NONE',
        expires: 2678400,
        template: true,
      },
    ];
    const text = formatConnList(entries, { persistentConn: true });
    expect(text.split('\n')).toEqual([
      'IPVS connection entries',
      'pro expire state       source             virtual            destination        pe name          pe_data',
      'UDP 04:59  UDP         192.168.0.5:5060   10.0.0.7:5060      10.0.1.2:5060    sip                a84b4c76e66710',
      'IP  44640:00 NONE        192.168.0.101:0    0.0.0.10:0         192.168.1.2:0',
      '',
    ]);
    expect(parseConnList(text)).toEqual(entries);
  });

  it('a -Lc listing (names) is refused', () => {
    expect(listingError(() => parseConnList(fixture('208_traffic_conn_names').stdout)).issues.length).toBe(30);
  });
});

describe('-L --timeout, -L --daemon, --version', () => {
  it('080/082: timeouts', () => {
    expect(parseTimeouts(fixture('080_timeout_show').stdout)).toEqual({ tcp: 900, tcpfin: 120, udp: 300 });
    expect(parseTimeouts(fixture('082_timeout_show2').stdout)).toEqual({ tcp: 3600, tcpfin: 60, udp: 120 });
    expect(formatTimeouts({ tcp: 3600, tcpfin: 60, udp: 120 })).toBe(fixture('082_timeout_show2').stdout);
    expect(() => parseTimeouts('Timeout: 1 2 3\n')).toThrow(ListingParseError);
  });

  it('084/084b/086: daemons with what the kernel filled in, and none', () => {
    for (const name of ['084_daemon_show', '084b_daemon_show_n']) {
      const text = fixture(name).stdout;
      const d = parseDaemons(text);
      expect(d).toEqual([
        { state: 'master', interface: 'lo', syncId: 7, maxLen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
        { state: 'backup', interface: 'sync0', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 },
      ]);
      expect(formatDaemons(d)).toBe(text);
    }
    expect(parseDaemons(fixture('086_daemon_show_none').stdout)).toEqual([]);
  });

  it('001/002: version', () => {
    const v = { ipvsadm: 'v1.31', date: '2019/12/24', optionParser: 'popt', ipvs: '1.2.1' };
    expect(parseVersion(fixture('001_version').stdout)).toEqual(v);
    expect(parseVersion(fixture('002_help').stdout)).toEqual(v);
    expect(formatVersion(v)).toBe(fixture('001_version').stdout);
  });
});

describe('/proc/net/ip_vs*', () => {
  it('211: /proc/net/ip_vs, hex, destinations newest first; printed back', () => {
    const text = fixture('211_traffic_proc_ip_vs').stdout;
    const p = parseProcIpVs(text);
    expect(p).toMatchObject({ version: '1.2.1', connTableSize: 4096 });
    expect(p.services[0]!.service).toEqual({ protocol: 'tcp', address: '10.10.0.1', port: 80 });
    expect(p.services[0]!.realServers.map((r) => [r.address, r.weight, r.inactConns])).toEqual([
      ['10.20.3.2', 3, 15],
      ['10.20.2.2', 2, 10],
      ['10.20.1.2', 1, 5],
    ]);
    expect(formatProcIpVs(p.config, snapshotOf(p.services))).toBe(text);
  });

  it('the reference sample: jiffies at HZ=250, hex masks, ops, uncompressed IPv6, fwmark', () => {
    const text = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
      'TCP  0A000001:0050 wlc  ',
      '  -> C0A80102:0050      Route   1      3          12        ',
      'TCP  0A000001:01BB rr  persistent 90000 FFFFFF00',
      '  -> C0A80102:20FB      Masq    1      0          0         ',
      'UDP  0A000002:0035 rr ops  ',
      'FWM  0000000A wlc persistent 75000 FFFFFFFF',
      'TCP  [2001:0db8:0000:0000:0000:0000:0000:0080]:0050 rr persistent 30000 40000000',
      '  -> [2001:0db8:0000:0000:0000:0000:0000:a0a0]:0050      Masq    1      0          0         ',
      '',
    ].join('\n');
    const p = parseProcIpVs(text, 250);
    expect(p.config.services.map((s) => [s.protocol, s.protocol === 'fwmark' ? s.fwmark : `${s.address}:${s.port}`, s.scheduler, s.persistence, s.onePacket])).toEqual([
      ['tcp', '10.0.0.1:80', 'wlc', undefined, false],
      ['tcp', '10.0.0.1:443', 'rr', { timeout: 360, netmask: '255.255.255.0' }, false],
      ['udp', '10.0.0.2:53', 'rr', undefined, true],
      ['tcp', '2001:db8::80:80', 'rr', { timeout: 120, netmask: '64' }, false],
      ['fwmark', 10, 'wlc', { timeout: 300 }, false],
    ]);
    expect(p.services[0]!.realServers[0]).toMatchObject({ activeConns: 3, inactConns: 12 });
    expect(parseProcIpVs(text, 1000).config.services[1]!.persistence!.timeout).toBe(90);
    expect(listingError(() => parseProcIpVs(text, 1024)).issues[0]!.message).toMatch(/not a whole number of seconds at HZ=1024/);
  });

  it('171/210: /proc/net/ip_vs_stats (hex), printed back', () => {
    expect(parseProcStats(fixture('171_proc_ip_vs_stats').stdout)).toEqual({ counters: ZERO_COUNTERS, rates: ZERO_RATES });
    const t = fixture('210_traffic_proc_stats').stdout;
    const p = parseProcStats(t);
    expect(p).toEqual({ counters: { conns: 30, inPkts: 182, outPkts: 180, inBytes: 11864, outBytes: 15930 }, rates: { cps: 3, inpps: 15, outpps: 15, inbps: 992, outbps: 1332 } });
    expect(formatProcStats(p)).toBe(t);
  });

  it('/proc/net/ip_vs_conn and _sync: headers, hex rows, IPv6, fwmark templates, PE data', () => {
    expect(parseProcConnLine(fixture('172_proc_ip_vs_conn').stdout.trimEnd())).toBeNull();
    expect(parseProcConnLine(fixture('174_proc_ip_vs_conn_sync').stdout.trimEnd())).toBeNull();
    expect(parseProcConnLine('TCP C0A80065 D431 0A000001 0050 C0A80102 0050 ESTABLISHED     897')).toEqual(connEntry());
    expect(parseProcConnLine('IP  C0A80065 0000 0000000A 0000 C0A80102 0000 NONE            299')).toMatchObject({ protocol: 'IP', virtualAddress: '0.0.0.10', template: true });
    expect(parseProcConnLine('TCP C0A80066 9C40 0A000001 0050 C0A80103 0050 FIN_WAIT    LOCAL       64')).toMatchObject({ state: 'FIN_WAIT', expires: 64, origin: 'LOCAL' });
    const v6 = 'TCP 2001:0db8:0030:0000:0000:0000:0000:0002 86F4 2001:0db8:0010:0000:0000:0000:0000:0001 0050 2001:0db8:0020:0003:0000:0000:0000:0002 0050 TIME_WAIT       116';
    expect(parseProcConnLine(v6)).toMatchObject({ clientAddress: '2001:db8:30::2', clientPort: 34548, virtualAddress: '2001:db8:10::1', destAddress: '2001:db8:20:3::2', expires: 116 });
    const sip = parseProcConnLine('UDP C0A80005 13C4 0A000007 13C4 0A000102 13C4 UDP             299 sip a84b4c76e66710')!;
    expect(sip).toMatchObject({ pe: 'sip', peData: 'a84b4c76e66710' });
    expect(formatProcConnLine(sip)).toBe('UDP C0A80005 13C4 0A000007 13C4 0A000102 13C4 UDP             299 sip a84b4c76e66710');
    expect(formatProcConnLine(parseProcConnLine(v6)!)).toBe(v6);
    expect(() => parseProcConnLine('TCP XYZ 0050', 7)).toThrow(ListingParseError);
  });

  it("-Lnc is ipvsadm's rendering of /proc/net/ip_vs_conn (233 through both)", () => {
    const entries = parseConnList(fixture('233_traffic6_conn').stdout);
    const proc = formatProcConn(entries);
    const back = proc
      .split('\n')
      .map((l, i) => parseProcConnLine(l, i + 1))
      .filter((e) => e !== null);
    expect(back).toEqual(entries);
  });

  it('streamProcConn reads a 1M-row table in constant memory', async () => {
    v8.setFlagsFromString('--expose_gc');
    const gc = vm.runInNewContext('gc') as () => void;
    async function* lines() {
      yield 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData';
      for (let i = 0; i < 1_000_000; i++) {
        const c = (0xc0a80000 + (i & 0xffff)).toString(16).toUpperCase();
        yield `TCP ${c} ${(1024 + (i % 60000)).toString(16).toUpperCase().padStart(4, '0')} 0A000001 0050 C0A8010${i % 3} 0050 ESTABLISHED     ${i % 900}`;
      }
    }
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let n = 0;
    let established = 0;
    for await (const e of streamProcConn(lines())) {
      n++;
      if (e.state === 'ESTABLISHED') established++;
      if (n % 100_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
    }
    expect(n).toBe(1_000_000);
    expect(established).toBe(n);
    // a million retained entries would be hundreds of MB; streaming keeps a few MB of slack
    expect(peak).toBeLessThan(16 * 1024 * 1024);
  }, 120_000);
});

describe('robustness', () => {
  it('random text only ever raises ListingParseError', () => {
    const parsers = [
      parseList,
      parseStatsListing,
      parseRateListing,
      parseThresholds,
      parsePersistentConn,
      parseConnList,
      parseTimeouts,
      parseDaemons,
      parseVersion,
      (t: string) => parseProcIpVs(t),
      parseProcStats,
    ];
    const line = fc.oneof(
      fc.constantFrom(
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  10.0.0.1:80 wlc',
        '  -> 10.0.1.1:80 Route 1 0 0',
        'FWM  1 rr persistent 60',
        'IPVS connection entries',
        '  -> 0A000001:0050      Route   1      0          0',
      ),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.nat({ max: parsers.length - 1 }), (ls, k) => {
        try {
          parsers[k]!(ls.join('\n'));
        } catch (e) {
          expect(e).toBeInstanceOf(ListingParseError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('formatList output of any config is parsed back to it by parseList, and -Ln of the sim agrees with -S', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 4, thresholds: false }), (c: DirectorConfig) => {
        const listed = parseList(formatList(c, null, { tunInfo: true })).config;
        expect(parseRules(printRulesOf(listed))).toEqual(parseRules(printRulesOf(c)));
      }),
      { numRuns: 100 },
    );
  });
});
