// `ipvsadm -Ln` (and `-Ln --tun-info`, and `-Ln -t <service>` without the banner): the rules plus
// each real server's active/inactive connection counts.
import { type DirectorConfig, type RealServer, type ServiceKey, type VirtualService } from '../model';
import { realServerKeyId, serviceKeyId } from '../keys';
import type { RealServerStats, StatsSnapshot } from '../stats';
import { IpvsadmError } from '../errors';
import { hostPort } from '../inet';
import { sortDestsLikeIpvsadm, sortServicesLikeIpvsadm } from '../order';
import { sortRealServers, sortServices } from '../kernel-table';
import { formatBanner, formatServiceLine, IssueLog, listingLines, padR, parseAddrPort, parseBanner, parseServiceLine, serviceFromListing } from './common';
import type { FormatOptions, ListingHeader, ServiceSettings } from './common';

export type ListedForwarding = 'route' | 'masq' | 'tunnel' | 'local';

export interface ListedServer {
  address: string;
  port: number;
  /** "Local" is a destination the kernel found to be a local address (saved by -S as -g) */
  forwarding: ListedForwarding;
  weight: number;
  activeConns: number;
  inactConns: number;
  /** only with --tun-info */
  tunnel?: { type: 'ipip' | 'gue' | 'gre'; port?: number; checksum?: 'nocsum' | 'csum' | 'remcsum' };
}

export interface ListedService {
  service: ServiceKey;
  settings: ServiceSettings;
  realServers: ListedServer[];
}

export interface ListResult extends ListingHeader {
  services: ListedService[];
  /**
   * The rules as a canonical config. Thresholds are not in this listing (0 here); "Local" reads as
   * route; without --tun-info a tunnel's type is unknown and reads as ipip.
   */
  config: DirectorConfig;
  /** whether the listing had the --tun-info column */
  tunnelInfo: boolean;
}

const TITLE_1 = 'Prot LocalAddress:Port Scheduler Flags';
const TITLE_2 = '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn';
const TITLE_2_TUN = '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn';
/** The Forward column of ipvsadm -L and /proc/net/ip_vs ("Local": a masq destination on one of the director's own addresses). */
export const FORWARD_COLUMN: Record<ListedForwarding, string> = { route: 'Route', masq: 'Masq', tunnel: 'Tunnel', local: 'Local' };
const FORWARD_BY_COLUMN = new Map(Object.entries(FORWARD_COLUMN).map(([k, v]) => [v, k as ListedForwarding]));

/** The forwarding method a Forward column names, or undefined. */
export function forwardingOfColumn(name: string | undefined): ListedForwarding | undefined {
  return name === undefined ? undefined : FORWARD_BY_COLUMN.get(name);
}
const TUN_FLAG: Record<string, 'nocsum' | 'csum' | 'remcsum'> = { '-c': 'nocsum', '+c': 'csum', 'r+c': 'remcsum' };
const TUN_FLAG_TEXT = { nocsum: '-c', csum: '+c', remcsum: 'r+c' } as const;

function parseTunInfo(s: string): ListedServer['tunnel'] | null | 'n/a' {
  if (s === 'n/a') return 'n/a';
  if (s === 'ipip') return { type: 'ipip' };
  let m = /^gue:(\d+):(-c|\+c|r\+c)$/.exec(s);
  if (m) return { type: 'gue', port: Number(m[1]), checksum: TUN_FLAG[m[2]!] };
  m = /^gre:(-c|\+c|r\+c)$/.exec(s);
  if (m) return { type: 'gre', checksum: TUN_FLAG[m[1]!] };
  return null;
}

/** Parse `ipvsadm -Ln [--tun-info] [-t|-u|-f service]`. */
export function parseList(text: string): ListResult {
  const log = new IssueLog('ipvsadm -Ln listing');
  const lines = listingLines(text);
  let header: ListingHeader = { version: null, connTableSize: null };
  let i = 0;
  const banner = lines[0] !== undefined ? parseBanner(lines[0]) : null;
  if (banner) {
    header = banner;
    i = 1;
  }
  if (lines[i] !== TITLE_1) log.add(i + 1, `expected the title "${TITLE_1}"`);
  const tun = lines[i + 1] === TITLE_2_TUN;
  if (lines[i + 1] !== TITLE_2 && !tun) log.add(i + 2, 'expected the "  -> RemoteAddress:Port ..." title');
  log.throwIfAny();
  const services: ListedService[] = [];
  let cur: ListedService | null = null;
  for (let n = i + 2; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.startsWith('  -> ')) {
      if (!cur) {
        log.add(n + 1, 'a real server line before any service line');
        continue;
      }
      const f = line.slice(5).trim().split(/\s+/);
      if (f.length !== (tun ? 6 : 5)) {
        log.add(n + 1, `expected ${tun ? 6 : 5} columns, got ${f.length}: "${line}"`);
        continue;
      }
      const ap = parseAddrPort(f[0]!);
      const fwd = forwardingOfColumn(f[1]);
      const ti = tun ? parseTunInfo(f[2]!) : 'n/a';
      const [w, a, ia] = f.slice(tun ? 3 : 2).map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
      if (typeof ap === 'string') log.add(n + 1, ap);
      else if (!fwd) log.add(n + 1, `unknown forwarding method "${f[1]}"`);
      else if (ti === null) log.add(n + 1, `unknown tunnel info "${f[2]}"`);
      else if (![w, a, ia].every(Number.isFinite)) log.add(n + 1, `weight and connection counts must be numbers: "${line}"`);
      else cur.realServers.push({ ...ap, forwarding: fwd, weight: w!, activeConns: a!, inactConns: ia!, ...(ti !== 'n/a' ? { tunnel: ti } : {}) });
      continue;
    }
    const s = parseServiceLine(line);
    if (typeof s === 'string') {
      log.add(n + 1, s);
      cur = null;
      continue;
    }
    cur = { service: s.service, settings: s.settings, realServers: [] };
    services.push(cur);
  }
  log.throwIfAny();
  return { ...header, services, config: listedConfig(services), tunnelInfo: tun };
}

/** What an `ipvsadm -Ln` listing imported as a config cannot say, for the admin to check before committing it. */
export function listingCannotCarry(r: ListResult): string[] {
  const out = [
    'thresholds (-x/-y) are not in the listing: imported as 0 (ipvsadm -Ln --thresholds shows them)',
    'timeouts (--set) and sync daemons are not in the listing: left as they are',
    'health checks, drains, sorry servers and quorum are control-plane settings no listing has',
  ];
  const all = r.services.flatMap((s) => s.realServers);
  if (!r.tunnelInfo && all.some((x) => x.forwarding === 'tunnel')) out.push('tunnel type and options need --tun-info: tunnelled servers are imported as ipip');
  if (all.some((x) => x.forwarding === 'local')) out.push('"Local" servers (the kernel found a local address) are imported as route, as ipvsadm -S saves them');
  return out;
}

function listedServer(r: ListedServer): RealServer {
  const forwarding = r.forwarding === 'local' ? 'route' : r.forwarding;
  const out: RealServer = { address: r.address, port: r.port, forwarding, weight: r.weight, upperThreshold: 0, lowerThreshold: 0 };
  if (forwarding === 'tunnel') {
    const t = r.tunnel ?? { type: 'ipip' as const };
    out.tunnelType = t.type;
    if (t.type === 'gue') out.tunnelPort = t.port;
    if (t.type !== 'ipip') out.tunnelChecksum = t.checksum ?? 'nocsum';
  }
  return out;
}

/** Services with their settings and real servers as a canonical config (thresholds 0). */
export function listedConfig(services: readonly { service: ServiceKey; settings: ServiceSettings; realServers: ListedServer[] }[]): DirectorConfig {
  const list: VirtualService[] = services.map((s) => ({ ...serviceFromListing(s.service, s.settings), realServers: sortRealServers(s.realServers.map(listedServer)) }));
  return { globals: { timeouts: null, syncDaemons: [] }, services: sortServices(list) };
}

// ---- formatting (for the simulator) ----------------------------------------------------------

/** Per-dest live numbers from a stats snapshot, by service id and real server id (keys.ts). */
export function statsIndex(snapshot: StatsSnapshot | null | undefined): Map<string, Map<string, RealServerStats>> {
  const idx = new Map<string, Map<string, RealServerStats>>();
  for (const s of snapshot?.services ?? []) {
    const m = new Map<string, RealServerStats>();
    for (const r of s.realServers) m.set(realServerKeyId(r), r);
    idx.set(serviceKeyId(s.service), m);
  }
  return idx;
}

/** The services to print, in ipvsadm's order (or as given with nosort), or one service for -t/-u/-f. */
export function servicesToList<T extends ServiceKey>(services: readonly T[], o: FormatOptions): T[] {
  if (o.service) {
    const id = serviceKeyId(o.service);
    const one = services.find((s) => serviceKeyId(s) === id);
    if (!one) throw new IpvsadmError({ kind: 'no-service', message: 'No such service', exitCode: 1 });
    return [one];
  }
  return o.nosort ? services.slice() : sortServicesLikeIpvsadm(services);
}

export function destsToList<T extends { address: string; port: number }>(dests: readonly T[], o: FormatOptions): T[] {
  return o.nosort ? dests.slice() : sortDestsLikeIpvsadm(dests);
}

function tunInfo(r: RealServer): string {
  if (r.forwarding !== 'tunnel') return 'n/a';
  const type = r.tunnelType ?? 'ipip';
  if (type === 'gue') return `gue:${r.tunnelPort}:${TUN_FLAG_TEXT[r.tunnelChecksum ?? 'nocsum']}`;
  if (type === 'gre') return `gre:${TUN_FLAG_TEXT[r.tunnelChecksum ?? 'nocsum']}`;
  return 'ipip';
}

/** `ipvsadm -Ln` (or -Ln --tun-info, or -Ln -t <service>) for a config and its live counts. */
export function formatList(config: DirectorConfig, stats?: StatsSnapshot | null, o: FormatOptions & { tunInfo?: boolean } = {}): string {
  const idx = statsIndex(stats);
  let out = o.service ? '' : formatBanner(o);
  out += `${TITLE_1}\n${o.tunInfo ? TITLE_2_TUN : TITLE_2}\n`;
  for (const s of servicesToList(config.services, o)) {
    out += `${formatServiceLine(s)}\n`;
    const live = idx.get(serviceKeyId(s));
    for (const r of destsToList(s.realServers, o)) {
      const st = live?.get(realServerKeyId(r));
      const name = padR(hostPort(r.address, r.port), 28);
      const fwd = padR(FORWARD_COLUMN[r.forwarding], 7);
      const tail = `${padR(r.weight, 6)} ${padR(st?.activeConns ?? 0, 10)} ${padR(st?.inactConns ?? 0, 10)}`;
      out += o.tunInfo ? `  -> ${name} ${fwd} ${padR(tunInfo(r), 13)} ${tail}\n` : `  -> ${name} ${fwd} ${tail}\n`;
    }
  }
  return out;
}
