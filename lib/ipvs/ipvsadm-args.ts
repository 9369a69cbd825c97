// ipvsadm 1.31's command line, read the way ipvsadm reads it: popt option syntax (bundled short
// options, --long=value, optional -p value), the order-dependent state of process_options()
// (-M is read with the family known at that point, -6 only after -f, -r copies the service port
// as it is at that moment), its checks in its order, and its exact error texts. The rules parser
// runs every `ipvsadm -R` line through this, and the simulator every op (opToArgv -> argvToOp).
import { isIPv4, isIPv6, canonicalAddress, parseIPv6, type Family } from './addr';
import { hostPort, inetAtonText } from './inet';
import { IpvsadmError } from './errors';
import { MAX_FWMARK, MAX_PERSISTENCE, MAX_THRESHOLD, MAX_WEIGHT, DEFAULT_PERSISTENCE, SCHED_FLAGS, SCHED_FLAG_TABLE, isSchedFlag, schedFlagBit, schedFlagFits, type Protocol } from './model';

const INT_MAX = 2147483647;

type ArgKind = 'none' | 'required' | 'optional';
interface OptionDef {
  long: string;
  short?: string;
  arg: ArgKind;
  /** identity used by the interpreter (the popt "val") */
  tag: string;
}

// popt's table in ipvsadm.c parse_options(), same names and argument kinds, written `long` or
// `long/s` with its short letter. The tag (popt's "val") is the short letter, else the long name;
// -l is -L.
const OPTION_TABLE: Record<ArgKind, string> = {
  none:
    'add-service/A edit-service/E delete-service/D clear/C list/L list/l zero/Z add-server/a edit-server/e delete-server/d set help/h version/v restore/R save/S ' +
    'masquerading/m ipip/i gatewaying/g numeric/n connection/c timeout daemon stats rate thresholds persistent-conn nosort sort exact/X ipv6/6 ops/o ' +
    'tun-info tun-nocsum tun-csum tun-remcsum',
  required:
    'start-daemon stop-daemon tcp-service/t udp-service/u sctp-service fwmark-service/f scheduler/s netmask/M real-server/r weight/w u-threshold/x l-threshold/y ' +
    'mcast-interface syncid pe sched-flags/b mcast-group mcast-port mcast-ttl sync-maxlen tun-type tun-port',
  optional: 'persistent/p',
};
const OPTIONS: OptionDef[] = Object.entries(OPTION_TABLE).flatMap(([arg, names]) =>
  names.split(' ').map((entry) => {
    const [long, short] = entry.split('/') as [string, string | undefined];
    return { long, short, arg: arg as ArgKind, tag: short === 'l' ? 'L' : (short ?? long) };
  }),
);
const BY_LONG = new Map(OPTIONS.map((o) => [o.long, o]));
const BY_SHORT = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short!, o]));

// optnames[] and the option bit order of commands_v_options.
const OPTNAMES = [
  'numeric',
  'connection',
  'service-address',
  'scheduler',
  'persistent',
  'netmask',
  'real-server',
  'forwarding-method',
  'weight',
  'u-threshold',
  'l-threshold',
  'mcast-interface',
  'timeout',
  'daemon',
  'stats',
  'rate',
  'thresholds',
  'persistent-conn',
  'nosort',
  'syncid',
  'exact',
  'ops',
  'pe',
  'sched-flags',
  'mcast-group',
  'mcast-port',
  'mcast-ttl',
  'sync-maxlen',
  'tun-info',
  'tun-type',
  'tun-port',
  'tun-nocsum',
  'tun-csum',
  'tun-remcsum',
] as const;
type OptName = (typeof OPTNAMES)[number];
const OPT_INDEX = Object.fromEntries(OPTNAMES.map((n, i) => [n, i])) as Record<OptName, number>;

export const CMDNAMES = [
  'add-service',
  'edit-service',
  'delete-service',
  'flush',
  'list',
  'add-server',
  'delete-server',
  'edit-server',
  'set',
  'start-daemon',
  'stop-daemon',
  'restore',
  'save',
  'zero',
] as const;
export type IpvsadmCommandName = (typeof CMDNAMES)[number];

// commands_v_options[][] from ipvsadm.c ('+' compulsory, 'x' illegal, '1' exclusive, ' ' optional), one string per command.
const CMD_V_OPT: Record<IpvsadmCommandName, string> = {
  'add-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'edit-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  flush: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  list: ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'add-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'delete-server': 'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  set: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon': 'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'stop-daemon': 'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  restore: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  save: ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  zero: 'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

/** What one invocation asks for, with ipvsadm's defaults filled in exactly as it fills them. */
export interface ServiceSpec {
  /** 0 for address services */
  fwmark: number;
  family: Family;
  protocol: Protocol;
  /** canonical text; "0.0.0.0" / "::" for fwmark services */
  address: string;
  port: number;
  /** as given (-s); '' when omitted (add/edit then use wlc) */
  scheduler: string;
  persistent: boolean;
  /** seconds; only meaningful when persistent */
  timeout: number;
  /** IPv4: dotted mask; IPv6: prefix length as text */
  netmask: string;
  pe: string;
  onePacket: boolean;
  /** IP_VS_SVC_F_SCHED1..3 as bits 1, 2, 4 */
  schedFlagBits: number;
}

export interface DestSpec {
  family: Family;
  address: string;
  port: number;
  forwarding: 'route' | 'masq' | 'tunnel';
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunnelType: 'ipip' | 'gue' | 'gre';
  tunnelPort: number;
  tunnelChecksum: 'nocsum' | 'csum' | 'remcsum';
}

export interface DaemonSpec {
  state: 'master' | 'backup';
  interface: string;
  syncId: number;
  maxLen?: number;
  group?: string;
  port?: number;
  ttl?: number;
}

export interface ListSpec {
  numeric: boolean;
  connection: boolean;
  timeout: boolean;
  daemon: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  nosort: boolean;
  exact: boolean;
  tunInfo: boolean;
}

export type IpvsadmCommand =
  | { cmd: 'add-service' | 'edit-service'; svc: ServiceSpec }
  | { cmd: 'delete-service'; svc: ServiceSpec }
  | { cmd: 'add-server' | 'edit-server' | 'delete-server'; svc: ServiceSpec; dest: DestSpec }
  | { cmd: 'zero'; svc: ServiceSpec | null }
  | { cmd: 'flush' | 'restore' }
  | { cmd: 'save'; numeric: boolean }
  | { cmd: 'list'; svc: ServiceSpec | null; list: ListSpec }
  | { cmd: 'set'; timeouts: { tcp: number; tcpfin: number; udp: number } }
  | { cmd: 'start-daemon'; daemon: DaemonSpec }
  | { cmd: 'stop-daemon'; state: 'master' | 'backup'; syncId: number | null }
  | { cmd: 'help' | 'version' };

/** An argument error, as ipvsadm reports it; `option` names the offending option (optnames[] spelling). */
export class IpvsadmArgError extends IpvsadmError {
  readonly option: string;
  constructor(message: string, option = '', exitCode = 2, hint?: string) {
    super({ kind: 'argument', message, exitCode, hint });
    this.name = 'IpvsadmArgError';
    this.option = option;
  }
}

const fail = (message: string, option = '', hint?: string): never => {
  throw new IpvsadmArgError(message, option, 2, hint);
};
const TRYHELP = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";

/** strtol(s, &end, 10) that must consume the whole string, then a range check (ipvsadm string_to_number). */
export function stringToNumber(s: string, min: number, max: number): number | null {
  if (s.length > 0 && s.length < 10 && isDigits(s)) {
    const n = +s;
    return n < min || n > max ? null : n;
  }
  const m = /^\s*([+-]?)(\d+)$/.exec(s);
  if (!m) return null;
  const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  if (!Number.isSafeInteger(n) || n < min || n > max) return null;
  return n;
}

const looksNumeric = (s: string) => /^[0-9.]*$/.test(s);

/** str_is_digit(): true for "" too. */
function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** parse_service(): returns the address/port it found, or why not. `hostHint` explains names. */
function parseService(buf: string): { family: Family; address: string; port: number | null } | { error: string } {
  if (isDigits(buf)) return { error: buf === '' ? 'empty address' : 'a bare number is not an address' };
  let text = buf;
  let portText: string | null = null;
  let bracketed = false;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { error: 'missing ]' };
    if (text[close + 1] !== ':') return { error: 'a bracketed IPv6 address must be followed by :port' };
    portText = text.slice(close + 2);
    text = text.slice(1, close);
    bracketed = true;
  }
  let family: Family;
  let address: string;
  // inet_pton(AF_INET6) first, as ipvsadm does; any IPv6 text has at least two colons
  if (text.indexOf(':') !== text.lastIndexOf(':') && isIPv6(text)) {
    family = 'inet6';
    address = canonicalAddress(text);
  } else {
    // ipvsadm re-splits at the last ':' here, so "[10.0.0.1]:80" silently loses its port
    if (bracketed) portText = null;
    const i = text.lastIndexOf(':');
    if (i >= 0) {
      portText = text.slice(i + 1);
      text = text.slice(0, i);
    }
    const v4 = inetAtonText(text);
    if (v4 === null) {
      return { error: looksNumeric(text) ? `"${text}" is not an IPv4 address` : `"${text}" is a host name; use numeric addresses (ipvsadm-save -n / ipvsadm -Sn), host names are not resolved here` };
    }
    family = 'inet';
    address = v4;
  }
  if (portText === null) return { family, address, port: null };
  const port = stringToNumber(portText, 0, 65535);
  if (port === null) {
    return { error: /^\s*[+-]?\d+$/.test(portText) ? `port ${portText} is outside 0–65535` : `"${portText}" is a service name; use numeric ports (ipvsadm-save -n), names are not resolved here` };
  }
  return { family, address, port };
}

function parseSchedFlags(sched: string, arg: string): number {
  const scheduler = sched || 'wlc';
  const tokens = arg.split(',').filter((t) => t !== '');
  if (tokens.length === 0) fail(`invalid scheduler flag \`${arg}'`, 'sched-flags');
  let bits = 0;
  for (const f of tokens) {
    if (!isSchedFlag(f)) return fail(`invalid scheduler flag \`${f}'`, 'sched-flags', `flags are ${SCHED_FLAGS.join(', ')}`);
    bits |= 1 << (schedFlagBit(f) - 1);
    if (!schedFlagFits(f, scheduler)) fail(`incompatible scheduler flag \`${f}'`, 'sched-flags', `${f} needs -s ${SCHED_FLAG_TABLE[f].scheduler}`);
  }
  return bits;
}

interface RawOpt {
  def: OptionDef;
  value: string | null;
  /** the argv text that named the option, for "invalid option `-C'" */
  text: string;
}

interface TokenizeResult {
  opts: RawOpt[];
  args: string[];
  error?: { text: string; reason: string; index: number };
}

const tokenError = (opts: RawOpt[], args: string[], text: string, reason: string): TokenizeResult => ({ opts, args, error: { text, reason, index: opts.length } });

/** popt: split argv into options (with values) and leftover arguments. */
function tokenize(argv: readonly string[]): TokenizeResult {
  const opts: RawOpt[] = [];
  const args: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i++]!;
    if (tok === '--') {
      for (; i < argv.length; i++) args.push(argv[i]!);
      break;
    }
    const isLong = tok.charCodeAt(0) === 45 /* - */ && tok.charCodeAt(1) === 45 && tok.length > 2;
    if (!isLong && !(tok.charCodeAt(0) === 45 && tok.length > 1)) {
      args.push(tok);
      continue;
    }
    // the long option, or the first option of a short bundle that takes a value (the rest of the bundle is that value)
    let def: OptionDef | undefined;
    let value: string | null = null;
    if (isLong) {
      const eq = tok.indexOf('=');
      def = BY_LONG.get(eq < 0 ? tok.slice(2) : tok.slice(2, eq));
      if (!def) return tokenError(opts, args, tok, 'unknown option');
      if (eq >= 0) {
        if (def.arg === 'none') return tokenError(opts, args, tok, 'option does not take an argument');
        value = tok.slice(eq + 1);
      }
    } else {
      let k = 1;
      for (; k < tok.length; k++) {
        def = BY_SHORT.get(tok[k]!);
        if (!def) return tokenError(opts, args, tok, 'unknown option');
        if (def.arg !== 'none') break;
        opts.push({ def, value: null, text: tok });
      }
      if (k === tok.length || !def) continue;
      if (k + 1 < tok.length) value = tok.slice(tok[k + 1] === '=' ? k + 2 : k + 1);
    }
    if (def.arg !== 'none' && value === null) {
      const next = argv[i];
      if (def.arg === 'optional') {
        if (next !== undefined && !next.startsWith('-')) value = argv[i++]!;
      } else {
        if (next === undefined) return tokenError(opts, args, tok, 'missing argument');
        value = argv[i++]!;
      }
    }
    opts.push({ def, value, text: tok });
  }
  return { opts, args };
}

const COMMAND_TAGS: Record<string, IpvsadmCommandName | 'help' | 'version'> = {
  A: 'add-service',
  E: 'edit-service',
  D: 'delete-service',
  C: 'flush',
  L: 'list',
  Z: 'zero',
  a: 'add-server',
  e: 'edit-server',
  d: 'delete-server',
  set: 'set',
  R: 'restore',
  S: 'save',
  'start-daemon': 'start-daemon',
  'stop-daemon': 'stop-daemon',
  h: 'help',
  v: 'version',
};

function newDest(): DestSpec {
  return { family: 'inet', address: '0.0.0.0', port: 0, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' };
}
function newList(): ListSpec {
  return { numeric: false, connection: false, timeout: false, daemon: false, stats: false, rate: false, thresholds: false, persistentConn: false, nosort: false, exact: false, tunInfo: false };
}
const SCRATCH_DEST = newDest();
const SCRATCH_LIST = newList();
const SCRATCH_DAEMON: DaemonSpec = { state: 'master', interface: '', syncId: 0 };

function newService(): ServiceSpec {
  return {
    fwmark: 0,
    family: 'inet',
    protocol: 'tcp',
    address: '0.0.0.0',
    port: 0,
    scheduler: '',
    persistent: false,
    timeout: 0,
    netmask: '255.255.255.255',
    pe: '',
    onePacket: false,
    schedFlagBits: 0,
  };
}

/**
 * Interpret one ipvsadm invocation (argv without the program name). Throws IpvsadmArgError with
 * ipvsadm's message and exit status (2 for its checks, 255 for popt/tryhelp) when ipvsadm would refuse it.
 */
export function parseIpvsadmArgv(argv: readonly string[]): IpvsadmCommand {
  const { opts, args, error } = tokenize(argv);
  const first = opts[0];
  if (!first || (error && error.index === 0)) throw new IpvsadmArgError(TRYHELP, '', 255, first ? undefined : 'every line must start with a command such as -A, -a, -E, -e, -D, -d, -C, --set');
  const command = COMMAND_TAGS[first.def.tag];
  if (!command) throw new IpvsadmArgError(TRYHELP, '', 255, `a line must start with a command (-A, -a, -E, -e, -D, -d, -C, --set, --start-daemon, --stop-daemon), not ${first.text}`);

  const svc = newService();
  // Objects a command does not use are shared scratch space: options illegal for the command are
  // refused by genericOptCheck before anything reads them. Saves allocations on 100k-line restores.
  const isServerCmd = command === 'add-server' || command === 'edit-server' || command === 'delete-server';
  const dest: DestSpec = isServerCmd ? newDest() : SCRATCH_DEST;
  let tunFlags = 0;
  const daemon: DaemonSpec = command === 'start-daemon' || command === 'stop-daemon' ? { state: 'master', interface: '', syncId: 0 } : SCRATCH_DAEMON;
  const list: ListSpec = command === 'list' || command === 'save' ? newList() : SCRATCH_LIST;
  const seen = new Seen();
  let schedFlagsArg = '';

  if (command === 'start-daemon' || command === 'stop-daemon') {
    const v = first.value ?? '';
    if (v === 'master' || v === 'backup') daemon.state = v;
    else fail(command === 'start-daemon' ? 'illegal start-daemon parameter specified' : 'illegal start_daemon specified', '', 'the state must be master or backup');
  }
  if (command === 'help' || command === 'version') return { cmd: command };

  for (const o of opts.slice(1)) {
    const v = o.value ?? '';
    const onOff = LIST_SWITCHES[o.def.tag];
    if (onOff) {
      seen.set(onOff[0]);
      list[onOff[1]] = true;
      continue;
    }
    switch (o.def.tag) {
      case 't':
      case 'u':
      case 'sctp-service': {
        seen.set('service-address');
        svc.protocol = o.def.tag === 't' ? 'tcp' : o.def.tag === 'u' ? 'udp' : 'sctp';
        const r = parseService(v);
        if ('error' in r) fail('illegal virtual server address[:port] specified', 'service-address', r.error);
        else {
          svc.family = r.family;
          svc.address = r.address;
          if (r.family === 'inet6') svc.netmask = '128';
          if (r.port !== null) svc.port = r.port;
        }
        break;
      }
      case 'f': {
        seen.set('service-address');
        const n = /^\s*[+-]?\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isSafeInteger(n) || n <= 0 || n > MAX_FWMARK) fail(`invalid fwmark value \`${v}' specified`, 'service-address', `a firewall mark is a whole number 1–${MAX_FWMARK}`);
        svc.family = 'inet';
        svc.protocol = 'tcp';
        svc.fwmark = n;
        break;
      }
      case 's':
        svc.scheduler = textOption(seen, 'scheduler', v, 15);
        break;
      case 'p': {
        seen.set('persistent');
        svc.persistent = true;
        if (o.value === null) svc.timeout = DEFAULT_PERSISTENCE;
        else {
          const t = stringToNumber(v, 1, MAX_PERSISTENCE);
          if (t === null) fail(`invalid timeout value \`${v}' specified`, 'persistent', `persistence timeout must be 1–${MAX_PERSISTENCE} seconds`);
          else svc.timeout = t;
        }
        break;
      }
      case 'M': {
        seen.set('netmask');
        if (svc.family !== 'inet6') {
          const mask = inetAtonText(v);
          if (mask === null)
            fail(
              'illegal virtual server persistent mask specified',
              'netmask',
              looksNumeric(v) ? 'an IPv4 netmask is dotted, e.g. 255.255.255.0' : 'host names are not resolved here; give a dotted mask',
            );
          else svc.netmask = mask;
        } else {
          const m = /^\s*([+-]?\d+)/.exec(v);
          const plen = m ? Number(m[1]) : 0;
          if (plen < 1 || plen > 128) fail('illegal ipv6 netmask specified', 'netmask', 'an IPv6 netmask is a prefix length 1–128');
          svc.netmask = String(plen);
        }
        break;
      }
      case 'r': {
        seen.set('real-server');
        const r = parseService(v);
        if ('error' in r) fail('illegal real server address[:port] specified', 'real-server', r.error);
        else {
          dest.family = r.family;
          dest.address = r.address;
          dest.port = r.port ?? svc.port;
        }
        break;
      }
      case 'i':
      case 'g':
      case 'm':
        seen.set('forwarding-method');
        dest.forwarding = o.def.tag === 'i' ? 'tunnel' : o.def.tag === 'g' ? 'route' : 'masq';
        break;
      case 'w':
        dest.weight = numberOption(seen, 'weight', v, 0, MAX_WEIGHT, 'illegal weight specified', `weight must be a whole number 0–${MAX_WEIGHT}, got "${v}"`);
        break;
      case 'x':
        dest.upperThreshold = numberOption(seen, 'u-threshold', v, 0, MAX_THRESHOLD, 'illegal u_threshold specified', `the upper threshold must be 0–${INT_MAX}, got "${v}"`);
        break;
      case 'y':
        dest.lowerThreshold = numberOption(seen, 'l-threshold', v, 0, MAX_THRESHOLD, 'illegal l_threshold specified', `the lower threshold must be 0–${INT_MAX}, got "${v}"`);
        break;
      case 'mcast-interface':
        daemon.interface = textOption(seen, 'mcast-interface', v, 15);
        break;
      case 'syncid':
        daemon.syncId = numberOption(seen, 'syncid', v, 0, 255, 'illegal syncid specified', 'syncid must be 0–255');
        break;
      case 'sort':
        break;
      case '6':
        if (svc.fwmark) {
          svc.family = 'inet6';
          svc.address = '::';
          svc.netmask = '128';
        } else fail('-6 used before -f', '', '-6 (IPv6) only applies to a firewall-mark service and must follow -f');
        break;
      case 'o':
        seen.set('ops');
        svc.onePacket = true;
        break;
      case 'pe':
        svc.pe = textOption(seen, 'pe', v, 16);
        break;
      case 'b':
        schedFlagsArg = textOption(seen, 'sched-flags', v);
        break;
      case 'mcast-group': {
        seen.set('mcast-group');
        if (v.includes(':')) {
          if ((parseIPv6(v)?.[0] ?? 0) >> 8 !== 0xff) fail(`invalid IPv6 mcast-group \`${v}'`, 'mcast-group');
        } else if (!isIPv4(v) || Number(v.split('.')[0]) < 224 || Number(v.split('.')[0]) > 239) fail(`invalid IPv4 mcast-group \`${v}'`, 'mcast-group');
        daemon.group = canonicalAddress(v);
        break;
      }
      case 'mcast-port':
        daemon.port = numberOption(seen, 'mcast-port', v, 1, 65535, 'illegal mcast-port specified');
        break;
      case 'mcast-ttl':
        daemon.ttl = numberOption(seen, 'mcast-ttl', v, 1, 255, 'illegal mcast-ttl specified');
        break;
      case 'sync-maxlen':
        daemon.maxLen = numberOption(seen, 'sync-maxlen', v, 1, 65535 - 20 - 8, 'illegal sync-maxlen specified');
        break;
      case 'tun-type':
        seen.set('tun-type');
        if (v === 'ipip' || v === 'gue' || v === 'gre') dest.tunnelType = v;
        else fail('illegal tunnel type specified', 'tun-type', 'tunnel types are ipip, gue and gre');
        break;
      case 'tun-port':
        dest.tunnelPort = numberOption(seen, 'tun-port', v, 1, 65535, 'illegal tunnel port specified', 'the GUE port must be 1–65535');
        break;
      case 'tun-nocsum':
        seen.set('tun-nocsum');
        break;
      case 'tun-csum':
        seen.set('tun-csum');
        tunFlags |= 1;
        break;
      case 'tun-remcsum':
        seen.set('tun-remcsum');
        tunFlags |= 2;
        break;
      default:
        // a second command, -h or -v after the command
        fail(`invalid option \`${o.text}'`, '', 'only one command per line');
    }
  }

  if (error) throw new IpvsadmArgError(`${error.text}: ${error.reason}`, '', 255);

  let timeouts: { tcp: number; tcpfin: number; udp: number } | null = null;
  let rest = args;
  if (command === 'set') {
    if (args.length < 3) fail('--set option requires 3 timeout values', 'timeout', 'give tcp, tcpfin and udp timeouts in seconds (0 leaves one unchanged)');
    const t: number[] = [];
    for (const a of args.slice(0, 3)) {
      const n = stringToNumber(a, 0, MAX_PERSISTENCE);
      if (n === null) fail(`invalid timeout value \`${a}' specified`, 'timeout', `timeouts are 0–${MAX_PERSISTENCE} seconds`);
      else t.push(n);
    }
    timeouts = { tcp: t[0]!, tcpfin: t[1]!, udp: t[2]! };
    rest = args.slice(3);
  }
  if (rest.length > 0)
    fail(`unexpected argument ${rest[0]}`, '', rest[0]!.startsWith('#') ? 'ipvsadm -R has no comments; only whole lines starting with # are skipped (by ipvsadm-restore)' : undefined);

  if (schedFlagsArg) svc.schedFlagBits = parseSchedFlags(svc.scheduler, schedFlagsArg);

  genericOptCheck(command, seen);

  if (command === 'add-service' || command === 'edit-service') {
    if (!svc.fwmark && !svc.port && !svc.persistent) fail('Zero port specified for non-persistent service', 'service-address', 'port 0 (all ports) needs persistence (-p)');
    if (svc.onePacket && !svc.fwmark && svc.protocol !== 'udp') fail('One-Packet Scheduling is only for UDP virtual services', 'ops', '-o is for UDP and firewall-mark services');
    if (!svc.scheduler) svc.scheduler = 'wlc';
  }
  if (command === 'start-daemon' && !daemon.interface) daemon.interface = 'eth0';

  if (command === 'add-server' || command === 'edit-server') {
    if (!svc.fwmark && (dest.forwarding === 'tunnel' || dest.forwarding === 'route')) dest.port = svc.port;
    if (dest.family !== svc.family && dest.forwarding !== 'tunnel')
      fail(
        'Different address family is allowed only for tunneling servers',
        'real-server',
        `${dest.family === 'inet6' ? 'an IPv6' : 'an IPv4'} real server in ${svc.family === 'inet6' ? 'an IPv6' : 'an IPv4'} service needs -i (tunnel)`,
      );
    const tunOpts = seen.has('tun-type') || seen.has('tun-port') || seen.has('tun-nocsum') || seen.has('tun-csum') || seen.has('tun-remcsum');
    if (tunOpts && dest.forwarding !== 'tunnel') fail('Tunnel options conflict with forward method', 'tun-type', 'tunnel options need -i');
    tunnelOptCheck(dest.tunnelType, seen);
    dest.tunnelChecksum = tunFlags === 0 ? 'nocsum' : tunFlags === 1 ? 'csum' : 'remcsum';
  }

  switch (command) {
    case 'list':
      if (((list.connection || list.timeout || list.daemon) && (list.stats || list.rate || list.thresholds)) || ((list.timeout || list.daemon) && list.persistentConn))
        fail('options conflicts in the list command');
      return { cmd: 'list', svc: seen.has('service-address') ? svc : null, list };
    case 'save':
      return { cmd: 'save', numeric: list.numeric };
    case 'flush':
    case 'restore':
      return { cmd: command };
    case 'zero':
      return { cmd: 'zero', svc: seen.has('service-address') ? svc : null };
    case 'add-service':
    case 'edit-service':
    case 'delete-service':
      return { cmd: command, svc };
    case 'add-server':
    case 'edit-server':
    case 'delete-server':
      return { cmd: command, svc, dest };
    case 'set':
      return { cmd: 'set', timeouts: timeouts! };
    case 'start-daemon':
      return { cmd: 'start-daemon', daemon };
    case 'stop-daemon':
      return { cmd: 'stop-daemon', state: daemon.state, syncId: seen.has('syncid') ? daemon.syncId : null };
  }
}

/** The list options that only switch a ListSpec field on: option tag -> the name `seen` records, the field. */
const LIST_SWITCHES: Partial<Record<string, readonly [OptName, keyof ListSpec]>> = {
  c: ['connection', 'connection'],
  n: ['numeric', 'numeric'],
  timeout: ['timeout', 'timeout'],
  daemon: ['daemon', 'daemon'],
  stats: ['stats', 'stats'],
  rate: ['rate', 'rate'],
  thresholds: ['thresholds', 'thresholds'],
  'persistent-conn': ['persistent-conn', 'persistentConn'],
  nosort: ['nosort', 'nosort'],
  X: ['exact', 'exact'],
  'tun-info': ['tun-info', 'tunInfo'],
};

/** Record option `name` and return its value, cut to the `max` characters ipvsadm's fixed-size buffer holds. */
function textOption(seen: Seen, name: OptName, v: string, max = v.length): string {
  seen.set(name);
  return v.slice(0, max);
}

/** Record option `name` and read its value as a whole number in [min, max], or fail with ipvsadm's message. */
function numberOption(seen: Seen, name: OptName, v: string, min: number, max: number, message: string, hint?: string): number {
  seen.set(name);
  return stringToNumber(v, min, max) ?? fail(message, name, hint);
}

/** Which options a command line gave (set_option: each at most once). */
class Seen {
  // 34 option bits in two 32-bit words
  private lo = 0;
  private hi = 0;
  set(name: OptName): void {
    const i = OPT_INDEX[name];
    if (this.bit(i)) fail(`multiple '${name}' options specified`, name);
    if (i < 32) this.lo |= 1 << i;
    else this.hi |= 1 << (i - 32);
  }
  bit(i: number): boolean {
    return i < 32 ? (this.lo & (1 << i)) !== 0 : (this.hi & (1 << (i - 32))) !== 0;
  }
  has(name: OptName): boolean {
    return this.bit(OPT_INDEX[name]);
  }
}

function genericOptCheck(command: IpvsadmCommandName, seen: Seen): void {
  const row = CMD_V_OPT[command];
  let last: OptName | null = null;
  for (let j = 0; j < OPTNAMES.length; j++) {
    const name = OPTNAMES[j]!;
    const rule = row[j];
    const given = seen.bit(j);
    if (rule === ' ' && !given) continue;
    if (!given) {
      if (rule === '+') fail(`You need to supply the '${name}' option for the '${command}' command`, name);
    } else {
      if (rule === 'x') fail(`Illegal '${name}' option with the '${command}' command`, name);
      if (rule === '1') {
        if (last === null) last = name;
        else fail(`The option '${name}' conflicts with the '${last}' option in the '${command}' command`, name);
      }
    }
  }
}

// tunnel_types_v_options: columns tun-port, tun-nocsum, tun-csum, tun-remcsum.
const TUN_V_OPT: Record<DestSpec['tunnelType'], string> = { ipip: 'xxxx', gue: '+111', gre: 'x11x' };
const TUN_OPTS = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'] as const;

function tunnelOptCheck(type: DestSpec['tunnelType'], seen: Seen): void {
  const row = TUN_V_OPT[type];
  let last: OptName | null = null;
  for (let j = 0; j < TUN_OPTS.length; j++) {
    const name = TUN_OPTS[j]!;
    const rule = row[j];
    if (!seen.has(name)) {
      if (rule === '+') fail(`You need to supply the '${name}' option for the '${type}' tunnel type`, name, `--tun-port is required for ${type} tunnels`);
    } else {
      if (rule === 'x') fail(`Illegal '${name}' option with the '${type}' tunnel type`, name);
      if (rule === '1') {
        if (last === null) last = name;
        else fail(`The option '${name}' conflicts with the '${last}' option in the '${type}' tunnel type`, name);
      }
    }
  }
}

/** "-t 10.0.0.1:80" / "-f 3 -6": the service as argv, as ipvsadm -S writes it. */
export function serviceArgs(key: { protocol: Protocol | 'fwmark'; address?: string; port?: number; fwmark?: number; family?: Family }): string[] {
  if (key.protocol === 'fwmark') return key.family === 'inet6' ? ['-f', String(key.fwmark), '-6'] : ['-f', String(key.fwmark)];
  const flag = key.protocol === 'tcp' ? '-t' : key.protocol === 'udp' ? '-u' : '--sctp-service';
  return [flag, hostPort(key.address!, key.port!)];
}
