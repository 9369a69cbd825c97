import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRules, parseRulesSlow, printRules, RulesParseError } from './rules';
import { DirectorConfigSchema, type DirectorConfig, type VirtualService } from './model';
import { ValidationError } from './errors';
import { fixture } from './__fixtures__/load';
import { IPVSADM_OPTION_WORDS, configArb, junkText, saveView } from './__fixtures__/arbitraries';

const SAVE_FIXTURES = ['023_save_script_n', '036_save_persistent', '076_save_all_n', '150_save_before_clear', '155_save_after_R', '236_traffic_save_final'];

function svc(c: DirectorConfig, label: string): VirtualService {
  const s = c.services.find((x) => (x.protocol === 'fwmark' ? `fwmark ${x.fwmark}${x.family === 'inet6' ? ' v6' : ''}` : `${x.protocol} ${x.address}:${x.port}`) === label);
  if (!s) throw new Error(`no service ${label}`);
  return s;
}

function parseError(text: string): RulesParseError {
  try {
    parseRules(text);
  } catch (e) {
    if (e instanceof RulesParseError) return e;
    throw e;
  }
  throw new Error('expected a RulesParseError');
}

describe('parseRules/printRules on real ipvsadm-save -n output', () => {
  it.each(SAVE_FIXTURES)('%s: print(parse(x)) is x byte for byte, and the result is canonical', (name) => {
    const text = fixture(name).stdout;
    const config = parseRules(text);
    expect(printRules(config)).toBe(text);
    // what the parser builds is exactly what the model's canonicalisation gives
    expect(DirectorConfigSchema.parse(config)).toEqual(config);
  });

  it('076: every kind of service and server is read with its values', () => {
    const c = parseRules(fixture('076_save_all_n').stdout);
    expect(c.services).toHaveLength(26);
    const web = svc(c, 'tcp 10.0.0.1:80');
    expect(web.scheduler).toBe('wrr');
    expect(web.realServers.map((r) => [r.address, r.port, r.forwarding, r.weight])).toEqual([
      ['192.168.10.11', 80, 'masq', 4],
      ['192.168.10.12', 80, 'route', 0],
      ['192.168.10.13', 80, 'route', 3],
    ]);
    const tun = svc(c, 'tcp 10.0.0.4:80').realServers;
    expect(tun).toEqual([
      { address: '192.168.10.31', port: 80, forwarding: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip' },
      { address: '192.168.10.32', port: 80, forwarding: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'nocsum' },
      { address: '192.168.10.33', port: 80, forwarding: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'gre', tunnelChecksum: 'csum' },
      { address: '2001:db8::40', port: 80, forwarding: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip' },
    ]);
    expect(svc(c, 'tcp 10.0.0.5:80').schedFlags).toEqual(['mh-fallback', 'mh-port']);
    expect(svc(c, 'tcp 10.0.0.6:80').schedFlags).toEqual(['sh-fallback', 'sh-port']);
    expect(svc(c, 'udp 10.0.0.1:5060').onePacket).toBe(true);
    expect(svc(c, 'udp 10.0.0.7:5060').persistence).toEqual({ timeout: 60, pe: 'sip' });
    expect(svc(c, 'sctp 10.0.0.1:3868').realServers[0]).toMatchObject({ address: '192.168.10.11', port: 3868, forwarding: 'masq' });
    expect(svc(c, 'tcp 2001:db8::2:443').persistence).toEqual({ timeout: 120, netmask: '64' });
    expect(svc(c, 'tcp 2001:db8::1:80').realServers.map((r) => `${r.address}:${r.port}/${r.forwarding}/${r.weight}`)).toEqual(['2001:db8::10:80/route/1', '2001:db8::11:8080/masq/5']);
    expect(svc(c, 'fwmark 2').persistence).toEqual({ timeout: 60 });
    expect(svc(c, 'fwmark 3 v6').realServers.map((r) => `${r.address}:${r.port}`)).toEqual(['2001:db8::20:0', '2001:db8::22:0']);
    for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']) expect(c.services.some((x) => x.scheduler === s)).toBe(true);
    // the save format has no thresholds, timeouts or daemons
    expect(c.globals).toEqual({ timeouts: null, syncDaemons: [] });
  });

  it('150: weight 65536 and a non-contiguous mask survive', () => {
    const c = parseRules(fixture('150_save_before_clear').stdout);
    expect(svc(c, 'tcp 10.0.0.1:80').realServers.find((r) => r.address === '192.168.10.98')?.weight).toBe(65536);
    expect(svc(c, 'tcp 10.0.0.9:80').persistence).toEqual({ timeout: 60, netmask: '255.0.255.0' });
    expect(svc(c, 'tcp 10.0.0.16:80').persistence).toBeUndefined();
  });

  it('155 (after -R): lc with -p 600, fwmark sh', () => {
    const c = parseRules(fixture('155_save_after_R').stdout);
    expect(svc(c, 'tcp 10.0.0.2:443')).toMatchObject({ scheduler: 'lc', persistence: { timeout: 600 } });
    expect(svc(c, 'fwmark 7')).toMatchObject({ scheduler: 'sh', family: 'inet', realServers: [{ address: '192.168.10.41', port: 0, forwarding: 'route' }] });
  });

  it('025 (ipvsadm-save without -n): names are refused on every line, with the reason', () => {
    const e = parseError(fixture('025_save_script_names').stdout);
    expect(e.issues.map((i) => i.line)).toEqual([1, 2, 3, 4]);
    expect(e.issues[0]).toMatchObject({ path: 'service-address' });
    expect(e.issues[0]!.message).toMatch(/^illegal virtual server address\[:port\] specified/);
    expect(e.issues[0]!.message).toContain('"http" is a service name');
    expect(e.line).toBe(1);
    expect(e).toBeInstanceOf(ValidationError);
  });

  it('029: the -S line of "-p" alone says 360', () => {
    const line = fixture('029_persistent_default')
      .stdout.split('\n')
      .find((l) => l.startsWith('-A'))!;
    expect(line).toBe('-A -t 10.0.0.13:80 -s wlc -p 360');
    expect(parseRules('-A -t 10.0.0.13:80 -p\n').services[0]!.persistence).toEqual({ timeout: 360 });
  });
});

describe('the -R grammar', () => {
  it('reads long options, "ipvsadm" tokens, tabs, CR, blank lines and # lines', () => {
    const text = [
      '# saved by hand',
      'ipvsadm --add-service --tcp-service 10.0.0.12:80 --scheduler rr --persistent 30',
      '',
      '   \t',
      'ipvsadm\t--add-server --tcp-service 10.0.0.12:80 --real-server 192.168.10.61:80 --masquerading --weight 2\r',
      '--add-server --tcp-service=10.0.0.12:80 --real-server=192.168.10.62 --gatewaying --u-threshold 100 --l-threshold 50',
      '-a -t 10.0.0.12:80 -r 192.168.10.63:80 -i --tun-type gue --tun-port 6080 --tun-remcsum',
    ].join('\n');
    const s = parseRules(text).services[0]!;
    expect(s).toMatchObject({ protocol: 'tcp', address: '10.0.0.12', port: 80, scheduler: 'rr', persistence: { timeout: 30 } });
    expect(s.realServers).toEqual([
      { address: '192.168.10.61', port: 80, forwarding: 'masq', weight: 2, upperThreshold: 0, lowerThreshold: 0 },
      { address: '192.168.10.62', port: 80, forwarding: 'route', weight: 1, upperThreshold: 100, lowerThreshold: 50 },
      { address: '192.168.10.63', port: 80, forwarding: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum' },
    ]);
  });

  it('bundled short options and attached values, as popt reads them', () => {
    const c = parseRules('-At 10.0.0.1:80 -srr\n-at 10.0.0.1:80 -r 10.1.0.1 -mw 7\n-at 10.0.0.1:80 -r10.1.0.2:8080 -gw0\n');
    expect(c.services[0]!.scheduler).toBe('rr');
    expect(c.services[0]!.realServers.map((r) => [r.address, r.port, r.forwarding, r.weight])).toEqual([
      ['10.1.0.1', 80, 'masq', 7],
      ['10.1.0.2', 80, 'route', 0], // -g: ipvsadm replaces 8080 by the service port
    ]);
  });

  it("defaults are ipvsadm's: wlc, route, weight 1, -p 360, -r without port takes the service port", () => {
    const c = parseRules('-A -u 10.0.0.2:53\n-a -u 10.0.0.2:53 -r 10.1.0.1\n-A -t 10.0.0.3:0 -p\n');
    expect(c.services[1]).toMatchObject({ protocol: 'udp', scheduler: 'wlc', realServers: [{ port: 53, forwarding: 'route', weight: 1 }] });
    expect(c.services[0]).toMatchObject({ protocol: 'tcp', port: 0, persistence: { timeout: 360 } });
  });

  it('-p takes the next token only when it is not an option', () => {
    const c = parseRules('-A -t 10.0.0.1:80 -p -M 255.255.0.0 -s sh\n-A -t 10.0.0.2:80 -s sh -p 99\n');
    expect(c.services[0]!.persistence).toEqual({ timeout: 360, netmask: '255.255.0.0' });
    expect(c.services[1]!.persistence).toEqual({ timeout: 99 });
  });

  it('-M is read with the family known at that point (the IPv6 service spec resets it to /128)', () => {
    const c = parseRules('-A -t [2001:db8::1]:443 -p 60 -M 64\n-A -M 64 -t [2001:db8::2]:443 -p 60\n-A -f 5 -6 -p 60 -M 48\n');
    expect(c.services[0]!.persistence).toEqual({ timeout: 60, netmask: '64' });
    expect(c.services[1]!.persistence).toEqual({ timeout: 60 });
    expect(c.services[2]).toMatchObject({ protocol: 'fwmark', fwmark: 5, family: 'inet6', persistence: { timeout: 60, netmask: '48' } });
  });

  it('IPv4 addresses and masks are read by inet_aton (short, hex and octal forms)', () => {
    const c = parseRules('-A -t 10.1:80 -p 10 -M 0xffffff00\n-a -t 10.0.0.1:80 -r 0x0a000102:80 -m\n');
    expect(c.services[0]).toMatchObject({ address: '10.0.0.1', persistence: { netmask: '255.255.255.0' } });
    expect(c.services[0]!.realServers[0]!.address).toBe('10.0.1.2');
  });

  it('a netmask or PE without -p has no effect and is not kept (ipvsadm -S never shows it)', () => {
    const c = parseRules('-A -t 10.0.0.16:80 -s rr -M 255.255.255.0\n-A -u 10.0.0.17:5060 --pe sip\n');
    expect(c.services.map((s) => s.persistence)).toEqual([undefined, undefined]);
  });

  it('-E, -e, -d, -D and -C lines are applied in order, -E/-e replacing the whole object', () => {
    const text = [
      '-A -t 10.0.0.1:80 -s sh -b sh-port -p 60',
      '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 5 -x 10 -y 2',
      '-a -t 10.0.0.1:80 -r 10.1.0.2:80 -w 3',
      '-E -t 10.0.0.1:80 -s rr', // no -p: persistence gone; flags gone
      '-e -t 10.0.0.1:80 -r 10.1.0.1:80 -w 9', // no -m: back to route; thresholds reset
      '-d -t 10.0.0.1:80 -r 10.1.0.2:80',
      '-A -t 10.0.0.2:80',
      '-A -t 10.0.0.3:80',
      '-D -t 10.0.0.2:80',
    ].join('\n');
    const c = parseRules(text);
    expect(c.services.map((s) => (s.protocol === 'fwmark' ? '' : s.address))).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(c.services[0]).toMatchObject({ scheduler: 'rr', schedFlags: [], onePacket: false });
    expect(c.services[0]!.persistence).toBeUndefined();
    expect(c.services[0]!.realServers).toEqual([{ address: '10.1.0.1', port: 80, forwarding: 'route', weight: 9, upperThreshold: 0, lowerThreshold: 0 }]);
    expect(parseRules(`${text}\n-C\n-A -f 9\n`).services.map((s) => s.protocol)).toEqual(['fwmark']);
  });

  it('--set and --start-daemon lines set the globals; -L, -S and -Z lines change nothing', () => {
    const c = parseRules(
      '--set 3600 60 120\n--start-daemon master --mcast-interface lo --syncid 7\n--start-daemon backup --mcast-interface sync0 --syncid 9 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8850 --mcast-ttl 2\n-Ln\n-S -n\n-Z\n--set 0 30 0\n',
    );
    expect(c.globals.timeouts).toEqual({ tcp: 3600, tcpfin: 30, udp: 120 });
    expect(c.globals.syncDaemons).toEqual([
      { state: 'master', interface: 'lo', syncId: 7 },
      { state: 'backup', interface: 'sync0', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 },
    ]);
    expect(parseRules('--start-daemon master\n--stop-daemon master\n').globals.syncDaemons).toEqual([]);
  });

  it('"-b" with no value, as -S prints sh/mh with only flag-3, reads back as flag-3', () => {
    const c = parseRules('-A -t 10.0.0.1:80 -s sh -b flag-3\n');
    expect(c.services[0]!.schedFlags).toEqual(['flag-3']);
    const printed = printRules(c);
    expect(printed).toBe('-A -t 10.0.0.1:80 -s sh -b \n');
    expect(parseRules(printed)).toEqual(c);
  });
});

describe("errors: line numbers and ipvsadm's reasons, every bad line collected", () => {
  const cases: [string, string, string][] = [
    ['-A -t 10.0.0.300:80', 'service-address', 'illegal virtual server address[:port] specified'],
    ['-A -t 10.0.0.1:99999', 'service-address', 'illegal virtual server address[:port] specified'],
    ['-A -t 2001:db8::4:80', 'service-address', 'Zero port specified for non-persistent service'],
    ['-A -f 5 -s rr -t 10.0.0.1:81', 'service-address', "multiple 'service-address' options specified"],
    ['-A -f 0', 'service-address', "invalid fwmark value `0' specified"],
    ['-A -t 10.0.0.10:80 -s mh -b bogus-flag', 'sched-flags', "invalid scheduler flag `bogus-flag'"],
    ['-A -t 10.0.0.10:80 -b sh-port', 'sched-flags', "incompatible scheduler flag `sh-port'"],
    ['-A -t 10.0.0.14:80 -s rr -o', 'ops', 'One-Packet Scheduling is only for UDP virtual services'],
    ['-E -t 10.0.0.1:80 -p 0', 'persistent', "invalid timeout value `0' specified"],
    ['-A -t 10.0.0.1:80 -M 300.0.0.0 -p', 'netmask', 'illegal virtual server persistent mask specified'],
    ['-A -t [2001:db8::1]:80 -p -M 129', 'netmask', 'illegal ipv6 netmask specified'],
    ['-A -t 10.0.0.1:80 -w 3', 'weight', "Illegal 'weight' option with the 'add-service' command"],
    ['-a -t 10.0.0.1:80 -r 192.168.10.94:80 -w 2147483648', 'weight', 'illegal weight specified'],
    ['-a -t 10.0.0.1:80 -r 192.168.10.96:80 -x -5', 'u-threshold', 'illegal u_threshold specified'],
    ['-a -t 10.0.0.1:80 -r 192.168.10.97 -g -m', 'forwarding-method', "multiple 'forwarding-method' options specified"],
    ['-e -t 10.0.0.1:80 -w 2', 'real-server', "You need to supply the 'real-server' option for the 'edit-server' command"],
    ['-a -t 10.0.0.1:80 -r [2001:db8::50]:80 -g', 'real-server', 'Different address family is allowed only for tunneling servers'],
    ['-a -t 10.0.0.1:80 -r 10.1.1.1 -m --tun-type gre', 'tun-type', 'Tunnel options conflict with forward method'],
    ['-a -t 10.0.0.1:80 -r 10.1.1.1 -i --tun-type gue', 'tun-port', "You need to supply the 'tun-port' option for the 'gue' tunnel type"],
    ['-a -t 10.0.0.1:80 -r 10.1.1.1 -i --tun-type gre --tun-remcsum', 'tun-remcsum', "Illegal 'tun-remcsum' option with the 'gre' tunnel type"],
    ['-a -t 10.0.0.1:80 -r 10.1.1.1 -i --tun-type gue --tun-port 1 --tun-csum --tun-nocsum', 'tun-csum', "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type"],
    ['-a -t 10.0.0.1:80 -r 10.1.1.1 -i --tun-port 6080', 'tun-port', "Illegal 'tun-port' option with the 'ipip' tunnel type"],
    ['-a -t 10.0.0.1:80 -r 10.1.1.1 --tun-type vxlan -i', 'tun-type', 'illegal tunnel type specified'],
    ['-A -6 -f 3', '', '-6 used before -f'],
    ['--set 10 x 20', 'timeout', "invalid timeout value `x' specified"],
    ['--set 10 20', 'timeout', '--set option requires 3 timeout values'],
    ['-A -t 10.0.0.1:80 extra', '', 'unexpected argument extra'],
    ['-A -t 10.0.0.1:80 # trailing comment', '', 'unexpected argument #'],
    ['-Ln -C', '', "invalid option `-C'"],
    ['-t 10.0.0.1:80 -A', '', "Try `ipvsadm -h' or 'ipvsadm --help' for more information."],
    ['--bogus', '', "Try `ipvsadm -h' or 'ipvsadm --help' for more information."],
    ['-A -t 10.0.0.1:80 --bogus', '', '--bogus: unknown option'],
    ['-a -t 10.0.0.1:80 -r', '', '-r: missing argument'],
    ['--start-daemon primary', '', 'illegal start-daemon parameter specified'],
    ['-A -t 10.0.0.1:80 -s bogus', 'scheduler', 'Scheduler or persistence engine not found'],
    ['-A -u 10.0.0.1:5060 -p --pe xyz', 'pe', 'Scheduler or persistence engine not found'],
    ['-R', '', "Try `ipvsadm -h' or 'ipvsadm --help' for more information."],
  ];
  it.each(cases)('%s -> %s: %s', (line, path, message) => {
    const e = parseError(`# first line is a comment\n${line}\n`);
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.line).toBe(2);
    expect(e.issues[0]!.path).toBe(path);
    expect(e.issues[0]!.message.startsWith(message)).toBe(true);
  });

  it('kernel refusals, in the order the kernel checks them', () => {
    const e = parseError(
      [
        '-A -t 10.0.0.1:80', // 1
        '-A -t 10.0.0.1:80 -s bogus', // 2 exists (checked before the scheduler)
        '-E -t 10.0.0.9:80 -s bogus', // 3 no such service (checked before the scheduler)
        '-a -t 10.0.0.1:80 -r 10.1.0.1:80', // 4
        '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -w 3', // 5 exists
        '-e -t 10.0.0.1:80 -r 10.1.0.9:80', // 6 no such destination
        '-d -t 10.0.0.1:80 -r 10.1.0.9:80', // 7 no such destination
        '-a -t 10.0.0.7:80 -r 10.1.0.1:80', // 8 service not defined
        '-D -f 99', // 9 no such service
        '-a -t 10.0.0.1:80 -r 10.1.0.2:80 -y 5', // 10 l > u
        '--stop-daemon backup', // 11
        '--start-daemon master', // 12
        '--start-daemon master', // 13
      ].join('\n'),
    );
    expect(e.issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [2, 'service-address', 'Service already exists'],
      [3, 'service-address', 'No such service'],
      [5, 'real-server', 'Destination already exists'],
      [6, 'real-server', 'No such destination'],
      [7, 'real-server', 'No such destination'],
      [8, 'service-address', 'Service not defined'],
      [9, 'service-address', 'No such service'],
      [10, 'l-threshold', 'Numerical result out of range'],
      [11, 'real-server', 'No daemon is running'],
      [13, 'service-address', 'Daemon has already run'],
    ]);
  });

  it('lines that fail only because their service line failed are not reported again', () => {
    const e = parseError('-A -t 10.0.0.1:80 -s nosuch\n-a -t 10.0.0.1:80 -r 10.1.0.1:80\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -w x\n-a -t 10.0.0.2:80 -r 10.1.0.1:80\n');
    expect(e.issues.map((i) => i.line)).toEqual([1, 3, 4]);
    expect(e.message).toContain('line 3: weight: illegal weight specified');
  });

  it('an empty text is an empty config', () => {
    expect(parseRules('')).toEqual({ globals: { timeouts: null, syncDaemons: [] }, services: [] });
    expect(printRules(parseRules('\n\n'))).toBe('');
  });
});

describe('printRules', () => {
  it('sorts like ipvsadm, including its wrap-around address comparison', () => {
    const c = parseRules('-A -t 10.0.0.1:80\n-A -t 192.168.0.1:80\n-A -t 11.0.0.1:80\n-A -f 1\n-A -u 1.1.1.1:53\n-A -t [::1]:80\n');
    // 10.0.0.1 - 192.168.0.1 overflows int: ipvsadm lists 192.168.0.1 first
    expect(printRules(c).split('\n').filter(Boolean)).toEqual([
      '-A -t 192.168.0.1:80 -s wlc',
      '-A -t 10.0.0.1:80 -s wlc',
      '-A -t 11.0.0.1:80 -s wlc',
      '-A -u 1.1.1.1:53 -s wlc',
      '-A -t [::1]:80 -s wlc',
      '-A -f 1 -s wlc',
    ]);
    // the canonical model order is the plain numeric one
    expect(c.services.map((s) => (s.protocol === 'fwmark' ? 'fwm' : s.address))).toEqual(['10.0.0.1', '11.0.0.1', '192.168.0.1', '1.1.1.1', '::1', 'fwm']);
  });

  it('a fwmark 2^31 or more above 0 sorts before the address services (unsigned subtraction as int)', () => {
    const c = parseRules('-A -t 10.0.0.1:80\n-A -f 3000000000\n-A -f 5\n');
    expect(printRules(c)).toBe('-A -f 3000000000 -s wlc\n-A -t 10.0.0.1:80 -s wlc\n-A -f 5 -s wlc\n');
  });

  it('writes -w before the tunnel options, and {globals: true} adds --set/--start-daemon lines parseRules reads back', () => {
    const text =
      '-A -t 10.0.0.4:80 -s wlc\n-a -t 10.0.0.4:80 -r 192.168.10.32:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n--set 900 120 300\n--start-daemon master --mcast-interface eth0 --syncid 3\n';
    const c = parseRules(text);
    expect(printRules(c, { globals: true })).toBe(text);
    expect(printRules(c)).toBe(text.split('\n').slice(0, 2).join('\n') + '\n');
  });
});

describe('properties', () => {
  it('printRules then parseRules is the identity on what -S saves', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 6, maxServers: 5, overlays: true }), (c) => {
        expect(parseRules(printRules(c))).toEqual(saveView(c));
      }),
      { numRuns: 300 },
    );
  });

  it('with globals: --set and daemons round-trip too', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 3, globals: true, thresholds: false }), (c) => {
        const back = parseRules(printRules(c, { globals: true }));
        expect(back.globals).toEqual(c.globals);
      }),
      { numRuns: 200 },
    );
  });

  it('the fast paths for -A and -a lines give exactly what the general interpreter gives', () => {
    const lineMutation = fc.constantFrom(
      (l: string) => l,
      (l: string) => l.replace(' -w ', ' -w 0'),
      (l: string) => l.replace(/:(\d+) -[gmi]/, ':0$1 -m'),
      (l: string) => l.replace(' -g ', ' -i '),
      (l: string) => l.replace(' -m ', ' -g '),
      (l: string) => l.replace(/-w \d+/, '-w 2147483648'),
      (l: string) => l.replace('-r ', '-r 10.9.9.9:1 -x 0 -r '),
      (l: string) => l.replace(/-r (\d+\.\d+\.\d+\.\d+)/, '-r [::ffff:$1]'),
      (l: string) => `${l}\n${l}`,
      (l: string) => l.replace(/^-A (\S+) (\S+) -s \S+/, '-A $1 $2 -s nosuch'),
      (l: string) => l.replace(/:(\d+) -s/, ':0 -s'),
      (l: string) => l.replace(/-p (\d+)/, '-p 0$1'),
      (l: string) => l.replace(/-p (\d+)/, '-p 9999999'),
      (l: string) => l.replace(/^-A -t/, '-A -u'),
      (l: string) => l.replace(' -w ', '  -w '),
      (l: string) => `${l} \t\r`,
      (l: string) => l.replace(/-w (\d+)/, '-w 0$1'),
      (l: string) => l.replace(/-w (\d+)/, '-w $1x'),
      (l: string) => l.replace(/-f (\d+) -6/, '-f $1'),
      (l: string) => l.replace(/^-a -f (\d+) -r/, '-a -f $1 -6 -r'),
      (l: string) => l.replace(/^-a -t (\S+)/, '-a -t 10.0.0.1:8'),
    );
    fc.assert(
      fc.property(configArb({ maxServices: 4, maxServers: 4, thresholds: false }), fc.array(fc.tuple(fc.nat(), lineMutation), { maxLength: 4 }), (c, muts) => {
        const lines = printRules(c).split('\n');
        for (const [i, m] of muts) if (lines.length > 1) lines[i % (lines.length - 1)] = m(lines[i % (lines.length - 1)]!);
        const text = lines.join('\n');
        const run = (f: (t: string) => DirectorConfig) => {
          try {
            return { ok: f(text) };
          } catch (e) {
            return { err: (e as RulesParseError).issues };
          }
        };
        expect(run(parseRules)).toEqual(run(parseRulesSlow));
      }),
      { numRuns: 300 },
    );
  });

  it('random junk only ever raises RulesParseError', () => {
    const token = fc.oneof(
      fc.constantFrom(...IPVSADM_OPTION_WORDS, '#', 'ipvsadm', '--weight=3', '-gw'),
      fc.constantFrom('10.0.0.1:80', '[2001:db8::1]:80', '2001:db8::1', '1.2.3.4', 'rr', 'sh', 'sh-port,flag-1', 'gue', '255.255.255.0', '64', 'master', '0', '-1', '99999999999', 'x'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(junkText(token, 8, 8), (text) => {
        try {
          parseRules(text);
        } catch (e) {
          expect(e).toBeInstanceOf(RulesParseError);
          expect((e as RulesParseError).issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
