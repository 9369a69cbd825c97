// Pieces shared by the ipvsadm listing parsers and formatters: the banner, the service line of
// -L, numeric address:port fields, print_largenum(), and C-style padding. Format strings are
// ipvsadm 1.31's (ipvsadm.c list_all / print_title / print_service_entry).
import { canonicalAddress, isIPv4, isIPv6 } from '../addr';
import { ListingParseError, type RulesIssue } from '../errors';
import {
  isDefaultNetmask,
  isSchedFlag,
  printedSchedFlags,
  SCHEDULERS,
  schedFlagBit,
  schedFlagName,
  type Persistence,
  type SchedFlagBit,
  type Scheduler,
  type SchedFlag,
  type ServiceKey,
  type VirtualService,
} from '../model';
import { hostPort } from '../inet';

export const IPVS_VERSION = '1.2.1';
export const DEFAULT_CONN_TAB_SIZE = 4096;

export interface ListingHeader {
  /** "1.2.1" from the banner; null when the listing has none (-L -t <service>) */
  version: string | null;
  /** connection hash table buckets ("size=4096"), not a connection limit */
  connTableSize: number | null;
}

/** The -L settings of a service: what its line shows besides the key. */
export interface ServiceSettings {
  scheduler: Scheduler;
  schedFlags: SchedFlag[];
  persistence?: Persistence;
  onePacket: boolean;
}

export interface FormatOptions {
  /** banner version, default 1.2.1 */
  version?: string;
  /** banner size=, default 4096 */
  connTableSize?: number;
  /** list one service, as `ipvsadm -Ln -t ...` does (no banner); throws "No such service" when absent */
  service?: ServiceKey;
  /** kernel order instead of ipvsadm's sort (--nosort) */
  nosort?: boolean;
}

const BANNER_RE = /^IP Virtual Server version (\d+)\.(\d+)\.(\d+) \(size=(\d+)\)$/;

export function parseBanner(line: string): ListingHeader | null {
  const m = BANNER_RE.exec(line);
  return m ? { version: `${m[1]}.${m[2]}.${m[3]}`, connTableSize: Number(m[4]) } : null;
}

/** The second title line of --stats, --rate, --thresholds and --persistent-conn listings. */
export const DEST_TITLE = '  -> RemoteAddress:Port';

/**
 * The head of a two-line-title listing: an optional banner (absent for one service), the title,
 * then DEST_TITLE. Returns the banner's facts and the index of the first data line.
 */
export function parseTitledHead(lines: string[], title: string, log: IssueLog): { header: ListingHeader; start: number } {
  const banner = lines[0] !== undefined ? parseBanner(lines[0]) : null;
  const i = banner ? 1 : 0;
  if (lines[i] !== title.trimEnd()) log.add(i + 1, `expected the title "${title.trim()}"`);
  if (lines[i + 1] !== DEST_TITLE) log.add(i + 2, `expected "${DEST_TITLE}"`);
  log.throwIfAny();
  return { header: banner ?? { version: null, connTableSize: null }, start: i + 2 };
}

export function formatBanner(o: FormatOptions): string {
  return `IP Virtual Server version ${o.version ?? IPVS_VERSION} (size=${o.connTableSize ?? DEFAULT_CONN_TAB_SIZE})\n`;
}

/** C "%-Ns" */
export const padR = (s: string | number, n: number): string => String(s).padEnd(n);
/** C "%Ns" */
export const padL = (s: string | number, n: number): string => String(s).padStart(n);

/**
 * Lines of a listing, without the empty tail (a final newline, or the extra one console.log adds)
 * and without trailing blanks: ipvsadm pads some title rows, and a pasted listing has often lost
 * them (editors, chat, terminals strip them), so no comparison depends on them.
 */
export function listingLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.map((l) => l.replace(/[ \t\r]+$/, ''));
}

/** Collects issues while parsing a listing and throws them all at the end. */
export class IssueLog {
  readonly issues: RulesIssue[] = [];
  constructor(private readonly what: string) {}
  add(line: number, message: string, path = ''): void {
    this.issues.push({ line, path, message });
  }
  throwIfAny(): void {
    if (this.issues.length) throw new ListingParseError(this.what, this.issues);
  }
}

/** A numeric "a.b.c.d:port" / "[v6]:port"; names (a listing without -n) are refused with a reason. */
export function parseAddrPort(text: string): { address: string; port: number } | string {
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return `"${text}" is not [IPv6]:port`;
    host = text.slice(1, close);
    port = text.slice(close + 2);
    if (!isIPv6(host)) return `"${host}" is not an IPv6 address`;
  } else {
    const i = text.lastIndexOf(':');
    if (i < 0) return `"${text}" has no :port`;
    host = text.slice(0, i);
    port = text.slice(i + 1);
    if (!isIPv4(host)) return `"${host}" is not a numeric IPv4 address (was the listing made without -n?)`;
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return `"${port}" is not a numeric port (was the listing made without -n?)`;
  return { address: canonicalAddress(host), port: Number(port) };
}

/** print_largenum(): exact below 10^8, else K/M/G/T (decimal, truncated); --exact pads to at least 9. */
export function formatLargenum(n: number, exact: boolean): string {
  if (exact) {
    const s = String(n);
    return s.padStart(s.length <= 8 ? 9 : s.length + 1);
  }
  if (n < 1e8) return padL(n, 9);
  if (n < 1e9) return `${padL(Math.floor(n / 1e3), 8)}K`;
  if (n < 1e11) return `${padL(Math.floor(n / 1e6), 8)}M`;
  if (n < 1e14) return `${padL(Math.floor(n / 1e9), 8)}G`;
  return `${padL(Math.floor(n / 1e12), 8)}T`;
}

const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A print_largenum() field: the value (lower bound when suffixed) and whether it is exact. */
export function parseLargenum(s: string): { value: number; exact: boolean } | null {
  const m = /^(\d+)([KMGT]?)$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] ? { value: n * SUFFIX[m[2]]!, exact: false } : { value: n, exact: true };
}

// ---- the service line of -L ---------------------------------------------------------------------

/** svc_name of the -L formats: "TCP  10.0.0.1:80", "SCTP [::1]:80", "FWM  3 IPv6". */
export function serviceName(s: ServiceKey): string {
  if (s.protocol === 'fwmark') return `FWM  ${s.fwmark}${s.family === 'inet6' ? ' IPv6' : ''}`;
  return `${padR(s.protocol.toUpperCase(), 4)} ${hostPort(s.address, s.port)}`;
}

/** print_sched_flags() for the listing: sh/mh name only fallback and port; others flag-N. */
export function printedFlags(scheduler: string, flags: readonly SchedFlag[]): string {
  return printedSchedFlags(scheduler, flags).join(',');
}

/** The service line of -L (also used by --thresholds and --persistent-conn). */
export function formatServiceLine(s: ServiceKey & ServiceSettings): string {
  let line = `${serviceName(s)} ${s.scheduler}`;
  if (s.schedFlags.length) line += ` (${printedFlags(s.scheduler, s.schedFlags)})`;
  if (s.persistence) {
    line += ` persistent ${s.persistence.timeout}`;
    if (s.persistence.netmask !== undefined) line += ` mask ${s.persistence.netmask}`;
    if (s.persistence.pe) line += ` pe ${s.persistence.pe}`;
  }
  if (s.onePacket) line += ' ops';
  return line;
}

const SERVICE_LINE_RE = /^(?:(TCP|UDP|SCTP) {1,2}(\S+)|FWM  (\d+)( IPv6)?) (\S+)(?: \(([^)]*)\))?(?: persistent (\d+)(?: mask (\S+))?(?: pe (\S+))?)?( ops)?$/;

/** A -L service line -> key and settings, or why not. */
export function parseServiceLine(line: string): { service: ServiceKey; settings: ServiceSettings } | string {
  const m = SERVICE_LINE_RE.exec(line);
  if (!m) return `not a service line: "${line}"`;
  let service: ServiceKey;
  if (m[1]) {
    const ap = parseAddrPort(m[2]!);
    if (typeof ap === 'string') return ap;
    service = { protocol: m[1].toLowerCase() as 'tcp' | 'udp' | 'sctp', address: ap.address, port: ap.port };
  } else service = { protocol: 'fwmark', fwmark: Number(m[3]), family: m[4] ? 'inet6' : 'inet' };
  const scheduler = m[5]!;
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) return `unknown scheduler "${scheduler}"`;
  const sched = scheduler as Scheduler;
  let schedFlags: SchedFlag[] = [];
  if (m[6] !== undefined) {
    const bits = new Set<SchedFlagBit>();
    // "()" is how sh/mh show the flag-3 bit, which has no name under them
    if (m[6] === '' && (sched === 'sh' || sched === 'mh')) bits.add(3);
    for (const f of m[6].split(',').filter(Boolean)) {
      if (!isSchedFlag(f)) return `unknown scheduler flag "${f}"`;
      bits.add(schedFlagBit(f));
    }
    schedFlags = [...bits].sort().map((b) => schedFlagName(sched, b));
  }
  const family = service.protocol === 'fwmark' ? service.family : service.address.includes(':') ? 'inet6' : 'inet';
  let persistence: Persistence | undefined;
  if (m[7] !== undefined) {
    const mask = m[8];
    if (mask !== undefined && (family === 'inet' ? !isIPv4(mask) : !/^\d{1,3}$/.test(mask))) return `bad persistence mask "${mask}"`;
    if (m[9] !== undefined && m[9] !== 'sip') return `unknown persistence engine "${m[9]}"`;
    persistence = { timeout: Number(m[7]), ...(mask !== undefined && !isDefaultNetmask(mask, family) ? { netmask: mask } : {}), ...(m[9] ? { pe: 'sip' as const } : {}) };
  }
  return { service, settings: { scheduler: sched, schedFlags, ...(persistence ? { persistence } : {}), onePacket: m[10] !== undefined } };
}

/** The canonical service (no real servers yet) from a key and -L settings. */
export function serviceFromListing(service: ServiceKey, settings: ServiceSettings): VirtualService {
  return {
    ...service,
    scheduler: settings.scheduler,
    schedFlags: settings.schedFlags,
    ...(settings.persistence ? { persistence: settings.persistence } : {}),
    onePacket: settings.onePacket,
    realServers: [],
  } as VirtualService;
}
