// The rules text of `ipvsadm -Sn` / `ipvsadm-save -n`, which is also the input of `ipvsadm -R`.
//
// parseRules replays the text the way `ipvsadm -R` does: every line is one ipvsadm command
// (-A/-E/-D/-a/-e/-d/-C/--set/--start-daemon/--stop-daemon, short or long options), applied in
// order to an empty table with the kernel's refusals. All bad lines are reported, each with its
// line number and ipvsadm's own reason. Deliberate differences from `ipvsadm -R`:
//   - whole lines starting with "#" are skipped, as `ipvsadm-restore` does (-R itself stops there);
//   - host and service names are refused (nothing is resolved here; save with -n);
//   - a line that -S itself prints for the sh/mh flag-3 bit ("-b" with no value) is read back.
//
// printRules writes what `ipvsadm -Sn` writes for the same table, byte for byte: ipvsadm's sort
// order, its option order (-w before --tun-type), and nothing it does not save (thresholds -x/-y,
// timeouts, sync daemons, health checks, drain). { globals: true } appends --set/--start-daemon
// lines, which parseRules reads back.
import { commandToOp, specKey } from './commands';
import { IpvsadmError, kernelRefused, RulesParseError, type RulesIssue } from './errors';
import { IpvsadmArgError, parseIpvsadmArgv, serviceArgs, type ServiceSpec } from './ipvsadm-args';
import { hostPort, strictIPv4Value } from './inet';
import { canonicalAddress, isIPv6 } from './addr';
import { KernelTable, type TableEntry } from './kernel-table';
import { MAX_PERSISTENCE, MAX_WEIGHT, SCHEDULERS, printedSchedFlags, type DirectorConfig, type RealServer, type VirtualService } from './model';
import { realServerKeyId, serviceKeyId } from './keys';
import { sortDestsLikeIpvsadm, sortServicesLikeIpvsadm } from './order';

export { RulesParseError } from './errors';

const SERVICE_OPTS = new Set(['-t', '--tcp-service', '-u', '--udp-service', '--sctp-service', '-f', '--fwmark-service']);

/** Split one line like config_stream_read(): on blanks, tabs, CR; every "ipvsadm" token dropped. */
function lineTokens(line: string): string[] {
  const out: string[] = [];
  for (const t of line.split(/[ \t\r]+/)) if (t !== '' && t !== 'ipvsadm') out.push(t);
  return out;
}

/** The service as written on a line ("-t 10.0.0.1:80"), to recognise lines that follow a failed one. */
function rawServiceText(tokens: readonly string[]): string | null {
  for (let i = 0; i < tokens.length - 1; i++) if (SERVICE_OPTS.has(tokens[i]!)) return `${tokens[i]} ${tokens[i + 1]}${tokens[i + 2] === '-6' ? ' -6' : ''}`;
  return null;
}

/**
 * ipvsadm -S prints "-b " and nothing else when only the flag-3 bit is set on an sh or mh service
 * (print_sched_flags has no name for it there). Read that back as flag-3 rather than failing.
 */
function repairEmptySchedFlags(tokens: string[]): string[] {
  const last = tokens[tokens.length - 1];
  if ((last === '-b' || last === '--sched-flags') && tokens.includes('-s')) {
    const sched = tokens[tokens.indexOf('-s') + 1];
    if (sched === 'sh' || sched === 'mh') return [...tokens.slice(0, -1), '-b', 'flag-3'];
  }
  return tokens;
}

// ---- fast path -------------------------------------------------------------------------------
// A save file is mostly "-a <service> -r <addr:port> -g|-m|-i -w <n>" lines. Such a line whose
// service was already read (its text is cached with the key it parsed to) and whose server is in
// canonical numeric form is applied directly; it gives exactly what the general interpreter gives
// (the tests compare both). Anything else, and every error, goes through the general path.

interface CachedService {
  id: string;
  family: 'inet' | 'inet6';
  port: number;
  fwmark: boolean;
}

// Sticky: matched at a line start inside the whole text, so a fast line allocates no line string.
const FAST_ADD_SERVICE = /-A (-t|-u|--sctp-service) (\S+) -s ([a-z]{2,5})(?: -p (\d{1,7}))?[ \t\r]*(?:\n|$)/y;
const SCHEDULER_NAMES = new Set<string>(SCHEDULERS);
const PROTOCOL_OF: Record<string, 'tcp' | 'udp' | 'sctp'> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };

/**
 * "-A -t addr:port -s sched [-p N]" with canonical numeric text: the service -S writes most. Same
 * result as the general interpreter (the tests hold it to that); -1 sends the line there.
 */
function tryFastAddService(text: string, pos: number, table: KernelTable, cache: ServiceTextCache): number {
  FAST_ADD_SERVICE.lastIndex = pos;
  const m = FAST_ADD_SERVICE.exec(text);
  if (!m) return -1;
  const hp = canonicalHostPort(m[2]!);
  const scheduler = m[3]!;
  cache.last = null;
  if (!hp || !SCHEDULER_NAMES.has(scheduler)) return -1;
  const timeout = m[4] === undefined ? null : +m[4];
  if (timeout !== null && (timeout < 1 || timeout > MAX_PERSISTENCE || (m[4]!.length > 1 && m[4]!.charCodeAt(0) === 48))) return -1;
  const [colon, port] = hp;
  if (port === 0 && timeout === null) return -1;
  const v6 = m[2]!.charCodeAt(0) === 91;
  const address = v6 ? m[2]!.slice(1, colon - 1) : m[2]!.slice(0, colon);
  const protocol = PROTOCOL_OF[m[1]!]!;
  const id = `${protocol}|${address}|${port}`;
  if (table.entry(id)) return -1;
  const service = { protocol, address, port, scheduler, schedFlags: [], ...(timeout !== null ? { persistence: { timeout } } : {}), onePacket: false, realServers: [] } as unknown as VirtualService;
  table.apply({ op: 'add-service', service }, true);
  cache.set(m[1]!, m[2]!, { id, family: v6 ? 'inet6' : 'inet', port, fwmark: false });
  return FAST_ADD_SERVICE.lastIndex;
}

/**
 * Service text of a line ("10.0.0.1:80" after -t) -> the key it parsed to, per option; plus the
 * last one looked up, since a save lists a service's real servers one after the other.
 */
class ServiceTextCache {
  private readonly maps = new Map<string, Map<string, CachedService>>();
  last: { opt: string; text: string; hit: CachedService; entry: TableEntry | undefined; generation: number } | null = null;
  set(opt: string, text: string, c: CachedService): void {
    let m = this.maps.get(opt);
    if (!m) this.maps.set(opt, (m = new Map()));
    m.set(text, c);
  }
  get(opt: string, text: string): CachedService | undefined {
    return this.maps.get(opt)?.get(text);
  }
  remember(tokens: readonly string[], svc: ServiceSpec): void {
    const i = tokens.findIndex((t) => t === '-t' || t === '-u' || t === '--sctp-service' || t === '-f');
    if (i < 0 || i + 1 >= tokens.length) return;
    const opt = tokens[i]!;
    this.set(opt === '-f' && tokens[i + 2] === '-6' ? '-f-6' : opt, tokens[i + 1]!, { id: serviceKeyId(specKey(svc)), family: svc.family, port: svc.port, fwmark: svc.fwmark !== 0 });
  }
}

/**
 * Is text[start, end) canonical "a.b.c.d:port" / "[v6]:port"? Returns [colon index, port] (colon
 * as an index into text), or null. No allocation for IPv4.
 */
function canonicalHostPort(text: string, start = 0, end = text.length): [number, number] | null {
  let colon: number;
  if (text.charCodeAt(start) === 91 /* [ */) {
    const close = text.indexOf(']', start);
    if (close < 0 || close >= end || text.charCodeAt(close + 1) !== 58) return null;
    const host = text.slice(start + 1, close);
    if (canonicalAddress(host) !== host || !isIPv6(host)) return null;
    colon = close + 1;
  } else {
    colon = text.indexOf(':', start);
    if (colon < 0 || colon >= end) return null;
    const second = text.indexOf(':', colon + 1);
    if ((second >= 0 && second < end) || strictIPv4Value(text, start, colon) < 0) return null;
  }
  const digits = end - colon - 1;
  if (digits < 1 || digits > 5 || (digits > 1 && text.charCodeAt(colon + 1) === 48)) return null;
  let port = 0;
  for (let i = colon + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    port = port * 10 + (c - 48);
  }
  return port <= 65535 ? [colon, port] : null;
}

const SERVICE_OPTS_FAST = ['-t ', '-u ', '--sctp-service ', '-f '] as const;
const SERVICE_OPT_NAMES = ['-t', '-u', '--sctp-service', '-f'] as const;

/**
 * Apply "-a <service> -r <addr:port> -g|-m|-i -w <n>" at `pos` directly when its service is known
 * and its text canonical, scanning the text in place (no per-line strings). Returns the position
 * after the line, or -1 when the general interpreter must read it.
 */
function tryFastAddServer(text: string, pos: number, table: KernelTable, cache: ServiceTextCache): number {
  let p = pos + 3; // "-a "
  let opt: string | undefined;
  for (let k = 0; k < SERVICE_OPTS_FAST.length; k++) {
    if (text.startsWith(SERVICE_OPTS_FAST[k]!, p)) {
      opt = SERVICE_OPT_NAMES[k]!;
      p += SERVICE_OPTS_FAST[k]!.length;
      break;
    }
  }
  if (!opt) return -1;
  const svcEnd = text.indexOf(' ', p);
  if (svcEnd < 0) return -1;
  const v6 = opt === '-f' && text.startsWith(' -6', svcEnd) && text.charCodeAt(svcEnd + 3) === 32;
  const key = v6 ? '-f-6' : opt;
  let cached: CachedService | undefined;
  let entry: TableEntry | undefined;
  const last = cache.last;
  if (last && last.opt === key && last.generation === table.generation && last.text.length === svcEnd - p && text.startsWith(last.text, p)) {
    cached = last.hit;
    entry = last.entry;
  } else {
    const svcText = text.slice(p, svcEnd);
    cached = cache.get(key, svcText);
    if (cached) {
      entry = table.entry(cached.id);
      cache.last = { opt: key, text: svcText, hit: cached, entry, generation: table.generation };
    }
  }
  if (!cached || !entry) return -1;
  p = svcEnd + (v6 ? 3 : 0);
  if (!text.startsWith(' -r ', p)) return -1;
  const destStart = p + 4;
  const destEnd = text.indexOf(' ', destStart);
  if (destEnd < 0) return -1;
  // " -g -w " / " -m -w " / " -i -w "
  const f = text.charCodeAt(destEnd + 2);
  if (text.charCodeAt(destEnd + 1) !== 45 || !(f === 103 || f === 109 || f === 105) || !text.startsWith(' -w ', destEnd + 3)) return -1;
  let q = destEnd + 7;
  let weight = 0;
  const digitsStart = q;
  for (; q < text.length; q++) {
    const c = text.charCodeAt(q);
    if (c < 48 || c > 57) break;
    weight = weight * 10 + (c - 48);
  }
  if (q === digitsStart || q - digitsStart > 10 || weight > MAX_WEIGHT) return -1;
  while (q < text.length && (text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9 || text.charCodeAt(q) === 13)) q++;
  if (q < text.length && text.charCodeAt(q) !== 10) return -1;
  const hp = canonicalHostPort(text, destStart, destEnd);
  if (!hp) return -1;
  const [colon, textPort] = hp;
  const destV6 = text.charCodeAt(destStart) === 91;
  const fwd = f === 103 ? 'route' : f === 109 ? 'masq' : 'tunnel';
  if ((destV6 ? 'inet6' : 'inet') !== cached.family && fwd !== 'tunnel') return -1;
  const port = !cached.fwmark && fwd !== 'masq' ? cached.port : textPort;
  const address = destV6 ? text.slice(destStart + 1, colon - 1) : text.slice(destStart, colon);
  const id = realServerKeyId({ address, port });
  if (entry.servers.has(id)) return -1;
  const r: RealServer = { address, port, forwarding: fwd, weight, upperThreshold: 0, lowerThreshold: 0 };
  if (fwd === 'tunnel') r.tunnelType = 'ipip';
  entry.servers.set(id, r);
  return q + 1;
}

/**
 * Parse rules text (ipvsadm -Sn output, or any `ipvsadm -R` input) into the canonical config.
 * With `base`, the lines are replayed on that table instead of an empty one, as `ipvsadm -R` does
 * on a live kernel (an incremental batch such as opsToRestoreBatch's).
 */
export function parseRules(text: string, options: { base?: DirectorConfig } = {}): DirectorConfig {
  const table = options.base ? KernelTable.from(options.base) : new KernelTable();
  const cache = new ServiceTextCache();
  const issues: RulesIssue[] = [];
  const failedServices = new Set<string>();
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    lineNo++;
    if (text.charCodeAt(pos) === 45) {
      const c = text.charCodeAt(pos + 1);
      const next = c === 97 /* -a */ ? tryFastAddServer(text, pos, table, cache) : c === 65 /* -A */ ? tryFastAddService(text, pos, table, cache) : -1;
      if (next >= 0) {
        pos = next;
        continue;
      }
    }
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) continue;
    let tokens = lineTokens(line);
    if (tokens.length === 0) continue;
    tokens = repairEmptySchedFlags(tokens);
    try {
      const cmd = parseIpvsadmArgv(tokens);
      switch (cmd.cmd) {
        case 'flush':
          table.flush();
          continue;
        case 'restore':
          throw new IpvsadmArgError("Try `ipvsadm -h' or 'ipvsadm --help' for more information.", '', 255, '-R inside a restore file');
        case 'help':
        case 'version':
          throw new IpvsadmArgError(`-${cmd.cmd === 'help' ? 'h' : 'v'} would print and end the restore`, '', 0);
        case 'list':
        case 'save':
        case 'zero':
          continue; // valid in -R input, no effect on the configuration
        default:
          break;
      }
      // the kernel checks existence before it looks the scheduler up
      if (cmd.cmd === 'add-service' && table.hasService(specKey(cmd.svc))) throw kernelRefused(cmd.cmd, 'EEXIST');
      if (cmd.cmd === 'edit-service' && !table.hasService(specKey(cmd.svc))) throw kernelRefused(cmd.cmd, 'ESRCH');
      const op = commandToOp(cmd);
      if (op) table.apply(op, true);
      if (cmd.cmd === 'add-service') cache.remember(tokens, cmd.svc);
      if (failedServices.size && (cmd.cmd === 'add-service' || cmd.cmd === 'delete-service')) failedServices.delete(rawServiceText(tokens) ?? '');
    } catch (e) {
      if (!(e instanceof IpvsadmError)) throw e;
      const raw = rawServiceText(tokens);
      const isCmdService = tokens[0] === '-A' || tokens[0] === '--add-service';
      if (raw && isCmdService) failedServices.add(raw);
      // a line that only fails because an earlier line defining its service failed adds no news
      if (e.kind === 'no-service' && raw && failedServices.has(raw)) continue;
      issues.push({ line: lineNo, path: e instanceof IpvsadmArgError ? e.option : issuePath(e), message: e.explained });
    }
  }
  if (issues.length) throw new RulesParseError(issues);
  return table.toConfig();
}

/** The general path only, line by line (for tests that hold the fast paths to it). */
export function parseRulesSlow(text: string): DirectorConfig {
  return parseRules(text.replace(/^-([aA]) /gm, 'ipvsadm -$1 '));
}

function issuePath(e: IpvsadmError): string {
  switch (e.kind) {
    case 'unknown-scheduler':
      return e.hint?.includes('persistence engine') ? 'pe' : 'scheduler';
    case 'exists':
    case 'no-service':
      return e.message.includes('Destination') || e.message.includes('destination') ? 'real-server' : 'service-address';
    case 'not-found':
      return 'real-server';
    case 'range':
      return 'l-threshold';
    default:
      return '';
  }
}

const TUN_CSUM_OPT = { nocsum: '--tun-nocsum', csum: '--tun-csum', remcsum: '--tun-remcsum' } as const;

/** -b's argument, or null without flags. */
function schedFlagsArgument(s: VirtualService): string | null {
  return s.schedFlags.length === 0 ? null : printedSchedFlags(s.scheduler, s.schedFlags).join(',');
}

function serverRule(svcName: string, r: RealServer): string {
  const dname = hostPort(r.address, r.port);
  if (r.forwarding === 'tunnel') {
    const type = r.tunnelType ?? 'ipip';
    const csum = TUN_CSUM_OPT[r.tunnelChecksum ?? 'nocsum'];
    if (type === 'gre') return `-a ${svcName} -r ${dname} -i -w ${r.weight} --tun-type gre ${csum}`;
    if (type === 'gue') return `-a ${svcName} -r ${dname} -i -w ${r.weight} --tun-type gue --tun-port ${r.tunnelPort} ${csum}`;
    return `-a ${svcName} -r ${dname} -i -w ${r.weight} --tun-type ipip`;
  }
  return `-a ${svcName} -r ${dname} ${r.forwarding === 'masq' ? '-m' : '-g'} -w ${r.weight}`;
}

/** `ipvsadm -Sn` for this config, byte for byte. */
export function printRules(config: DirectorConfig, options: { globals?: boolean } = {}): string {
  // lines into an array, joined once: a 100k-line save without 100k intermediate strings
  const out: string[] = [];
  for (const s of sortServicesLikeIpvsadm(config.services)) {
    const name = serviceArgs(s).join(' ');
    let line = `-A ${name} -s ${s.scheduler}`;
    if (s.persistence) {
      line += ` -p ${s.persistence.timeout}`;
      if (s.persistence.netmask !== undefined) line += ` -M ${s.persistence.netmask}`;
      if (s.persistence.pe) line += ` --pe ${s.persistence.pe}`;
    }
    if (s.onePacket) line += ' -o';
    const flags = schedFlagsArgument(s);
    if (flags !== null) line += ` -b ${flags}`;
    out.push(line);
    for (const r of sortDestsLikeIpvsadm(s.realServers)) out.push(serverRule(name, r));
  }
  if (options.globals) {
    const t = config.globals.timeouts;
    if (t) out.push(`--set ${t.tcp} ${t.tcpfin} ${t.udp}`);
    for (const d of config.globals.syncDaemons) {
      let line = `--start-daemon ${d.state} --mcast-interface ${d.interface} --syncid ${d.syncId}`;
      if (d.maxLen !== undefined) line += ` --sync-maxlen ${d.maxLen}`;
      if (d.group !== undefined) line += ` --mcast-group ${d.group}`;
      if (d.port !== undefined) line += ` --mcast-port ${d.port}`;
      if (d.ttl !== undefined) line += ` --mcast-ttl ${d.ttl}`;
      out.push(line);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
