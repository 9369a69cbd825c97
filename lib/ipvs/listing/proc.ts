// The kernel's own files: /proc/net/ip_vs (hex addresses, uncompressed IPv6, persistence in
// jiffies), /proc/net/ip_vs_stats (hex counters and rates) and /proc/net/ip_vs_conn[_sync] (hex,
// one line per connection or persistence template). Formats from ip_vs_ctl.c / ip_vs_conn.c.
import { intToIPv4, ipv4ToInt } from '../addr';
import { ListingParseError } from '../errors';
import { canonicalIPv6, formatIPv6Full, hexToIPv4 } from '../inet';
import { isDefaultNetmask, type DirectorConfig, type Persistence, type ServiceKey } from '../model';
import { realServerKeyId, serviceKeyId } from '../keys';
import type { ConnEntry, Counters, Rates, StatsSnapshot } from '../stats';
import { FORWARD_COLUMN, forwardingOfColumn, listedConfig, statsIndex, type ListedServer, type ListedService } from './list';
import { formatBanner, IssueLog, listingLines, padL, padR, parseBanner, type ListingHeader } from './common';

/** CONFIG_HZ of Debian/Ubuntu kernels; persistence timeouts in /proc/net/ip_vs are jiffies. */
export const DEFAULT_HZ = 250;

export interface ProcIpVs extends ListingHeader {
  services: ListedService[];
  config: DirectorConfig;
}

/** "0A000001:0050" or "[2001:0db8:...]:0050" -> address and port. */
function parseHexAddrPort(s: string): { address: string; port: number; v6: boolean } | null {
  let host: string;
  let port: string;
  let v6 = false;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return null;
    host = s.slice(1, close);
    port = s.slice(close + 2);
    v6 = true;
  } else {
    const i = s.indexOf(':');
    if (i < 0) return null;
    host = s.slice(0, i);
    port = s.slice(i + 1);
  }
  if (!/^[0-9A-Fa-f]{4}$/.test(port)) return null;
  const address = v6 ? canonicalIPv6(host) : hexToIPv4(host);
  return address ? { address, port: parseInt(port, 16), v6 } : null;
}

/** ntohl(plen) as the kernel prints an IPv6 prefix length: byte-swapped on little-endian hosts. */
function ipv6PrefixFromHex(v: number): number | null {
  if (v >= 1 && v <= 128) return v; // big-endian host
  const swapped = (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0;
  return swapped >= 1 && swapped <= 128 ? swapped : null;
}

/**
 * Parse /proc/net/ip_vs. `hz` is the kernel's CONFIG_HZ (persistence is shown in jiffies). The file
 * shows neither scheduler flags nor the family of a fwmark service (taken from its real servers),
 * nor ops for IPv6 services.
 */
export function parseProcIpVs(text: string, hz = DEFAULT_HZ): ProcIpVs {
  const log = new IssueLog('/proc/net/ip_vs');
  const lines = listingLines(text);
  const banner = lines[0] !== undefined ? parseBanner(lines[0]) : null;
  if (!banner) log.add(1, 'expected "IP Virtual Server version X.Y.Z (size=N)"');
  if (lines[1] !== 'Prot LocalAddress:Port Scheduler Flags') log.add(2, 'expected "Prot LocalAddress:Port Scheduler Flags"');
  if (lines[2] !== '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn') log.add(3, 'expected "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn"');
  log.throwIfAny();
  const services: (ListedService & { rawMask?: number; line: number })[] = [];
  for (let n = 3; n < lines.length; n++) {
    const f = lines[n]!.trim().split(/\s+/);
    if (f[0] === '->') {
      const cur = services[services.length - 1];
      const ap = parseHexAddrPort(f[1] ?? '');
      const fwd = forwardingOfColumn(f[2]);
      if (!cur) log.add(n + 1, 'a real server line before any service line');
      else if (f.length !== 6 || !ap || !fwd || !f.slice(3).every((x) => /^-?\d+$/.test(x))) log.add(n + 1, `not a real server line: "${lines[n]}"`);
      else cur.realServers.push({ address: ap.address, port: ap.port, forwarding: fwd, weight: Number(f[3]), activeConns: Number(f[4]), inactConns: Number(f[5]) } satisfies ListedServer);
      continue;
    }
    let service: ServiceKey | null = null;
    if (f[0] === 'FWM' && /^[0-9A-Fa-f]{8}$/.test(f[1] ?? '')) service = { protocol: 'fwmark', fwmark: parseInt(f[1]!, 16), family: 'inet' };
    else if (f[0] === 'TCP' || f[0] === 'UDP' || f[0] === 'SCTP') {
      const ap = parseHexAddrPort(f[1] ?? '');
      if (ap) service = { protocol: f[0].toLowerCase() as 'tcp' | 'udp' | 'sctp', address: ap.address, port: ap.port };
    }
    const sched = f[2];
    let k = 3;
    const onePacket = f[k] === 'ops';
    if (onePacket) k++;
    let timeout: number | null = null;
    let rawMask: number | undefined;
    if (f[k] === 'persistent') {
      const jiffies = Number(f[k + 1]);
      if (!/^\d+$/.test(f[k + 1] ?? '') || !/^[0-9A-Fa-f]{8}$/.test(f[k + 2] ?? '')) {
        log.add(n + 1, `bad persistence "${f.slice(k).join(' ')}"`);
        continue;
      }
      if (jiffies % hz !== 0) {
        log.add(n + 1, `persistence timeout ${jiffies} jiffies is not a whole number of seconds at HZ=${hz}; pass the kernel's HZ`);
        continue;
      }
      timeout = jiffies / hz;
      rawMask = parseInt(f[k + 2]!, 16);
      k += 3;
    }
    if (!service || !sched || k !== f.length) {
      log.add(n + 1, `not a service line: "${lines[n]}"`);
      continue;
    }
    const scheduler = sched as ListedService['settings']['scheduler'];
    services.push({ service, settings: { scheduler, schedFlags: [], onePacket, ...(timeout !== null ? { persistence: { timeout } } : {}) }, realServers: [], rawMask, line: n + 1 });
  }
  log.throwIfAny();
  for (const s of services) {
    if (s.service.protocol === 'fwmark') {
      // the file does not say; a real server of another family that is not tunnelled gives it away
      const v6 = s.realServers.some((r) => r.address.includes(':') && r.forwarding !== 'tunnel');
      s.service = { ...s.service, family: v6 ? 'inet6' : 'inet' };
    }
    if (s.settings.persistence && s.rawMask !== undefined) {
      const fam = s.service.protocol === 'fwmark' ? s.service.family : s.service.address.includes(':') ? 'inet6' : 'inet';
      let mask: string;
      if (fam === 'inet') mask = intToIPv4(s.rawMask);
      else {
        const plen = ipv6PrefixFromHex(s.rawMask);
        if (plen === null) log.add(s.line, `bad IPv6 prefix length ${s.rawMask.toString(16)}`);
        mask = String(plen);
      }
      const p: Persistence = { timeout: s.settings.persistence.timeout, ...(isDefaultNetmask(mask, fam) ? {} : { netmask: mask }) };
      s.settings = { ...s.settings, persistence: p };
    }
  }
  log.throwIfAny();
  const clean: ListedService[] = services.map(({ service, settings, realServers }) => ({ service, settings, realServers }));
  return { ...banner!, services: clean, config: listedConfig(clean) };
}

const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');

/** /proc/net/ip_vs for a config and its live counts (services in canonical order, not hash order). */
export function formatProcIpVs(config: DirectorConfig, stats?: StatsSnapshot | null, o: { hz?: number; connTableSize?: number; version?: string; littleEndian?: boolean } = {}): string {
  const hz = o.hz ?? DEFAULT_HZ;
  const idx = statsIndex(stats);
  let out = formatBanner(o) + 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n';
  for (const s of config.services) {
    const ops = s.onePacket ? 'ops ' : '';
    if (s.protocol === 'fwmark') out += `FWM  ${hex(s.fwmark, 8)} ${s.scheduler} ${ops}`;
    else if (s.address.includes(':')) out += `${s.protocol.toUpperCase()}  [${formatIPv6Full(s.address)}]:${hex(s.port, 4)} ${s.scheduler} `;
    else out += `${s.protocol.toUpperCase()}  ${hex(ipv4ToInt(s.address), 8)}:${hex(s.port, 4)} ${s.scheduler} ${ops} `;
    if (s.persistence) {
      const fam = s.protocol === 'fwmark' ? s.family : s.address.includes(':') ? 'inet6' : 'inet';
      let mask: number;
      if (fam === 'inet') mask = ipv4ToInt(s.persistence.netmask ?? '255.255.255.255');
      else {
        const plen = Number(s.persistence.netmask ?? 128);
        mask = o.littleEndian === false ? plen : (plen << 24) >>> 0;
      }
      out += `persistent ${s.persistence.timeout * hz} ${hex(mask, 8)}\n`;
    } else out += '\n';
    const live = idx.get(serviceKeyId(s));
    // the kernel lists destinations newest first; without history, reverse canonical order
    for (const r of [...s.realServers].reverse()) {
      const st = live?.get(realServerKeyId(r));
      const addr = r.address.includes(':') ? `[${formatIPv6Full(r.address)}]` : hex(ipv4ToInt(r.address), 8);
      out += `  -> ${addr}:${hex(r.port, 4)}      ${padR(FORWARD_COLUMN[r.forwarding], 7)} ${padR(r.weight, 6)} ${padR(st?.activeConns ?? 0, 10)} ${padR(st?.inactConns ?? 0, 10)}\n`;
    }
  }
  return out;
}

// ---- /proc/net/ip_vs_stats -------------------------------------------------------------------

const STATS_HEAD_1 = '   Total Incoming Outgoing         Incoming         Outgoing';
const STATS_HEAD_2 = '   Conns  Packets  Packets            Bytes            Bytes';
const RATES_HEAD = ' Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s';

/** Parse /proc/net/ip_vs_stats: global counters and estimator rates, all hex. */
export function parseProcStats(text: string): { counters: Counters; rates: Rates } {
  const log = new IssueLog('/proc/net/ip_vs_stats');
  const lines = listingLines(text);
  if (lines[0] !== STATS_HEAD_1 || lines[1] !== STATS_HEAD_2) log.add(1, 'expected the "Total Incoming Outgoing" header');
  if (lines[4] !== RATES_HEAD) log.add(5, 'expected the "Conns/s Pkts/s" header');
  const nums = (n: number) => {
    const f = (lines[n] ?? '').trim().split(/\s+/);
    if (f.length !== 5 || !f.every((x) => /^[0-9A-Fa-f]+$/.test(x))) {
      log.add(n + 1, 'expected five hex numbers');
      return [0, 0, 0, 0, 0];
    }
    return f.map((x) => parseInt(x, 16));
  };
  const c = nums(2);
  const r = nums(5);
  log.throwIfAny();
  return { counters: { conns: c[0]!, inPkts: c[1]!, outPkts: c[2]!, inBytes: c[3]!, outBytes: c[4]! }, rates: { cps: r[0]!, inpps: r[1]!, outpps: r[2]!, inbps: r[3]!, outbps: r[4]! } };
}

export function formatProcStats(t: { counters: Counters; rates: Rates }): string {
  const c = t.counters;
  const r = t.rates;
  const row = (v: number[]) => `${padL(hex(v[0]!, 1), 8)} ${padL(hex(v[1]!, 1), 8)} ${padL(hex(v[2]!, 1), 8)} ${padL(hex(v[3]!, 1), 16)} ${padL(hex(v[4]!, 1), 16)}\n`;
  return `${STATS_HEAD_1}\n${STATS_HEAD_2}\n${row([c.conns, c.inPkts, c.outPkts, c.inBytes, c.outBytes])}\n${RATES_HEAD}\n${row([r.cps, r.inpps, r.outpps, r.inbps, r.outbps])}`;
}

// ---- /proc/net/ip_vs_conn and ip_vs_conn_sync -------------------------------------------------

export const PROC_CONN_HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData';
export const PROC_CONN_SYNC_HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires';

/** A hex IPv4 ("C0A80065") or an uncompressed IPv6 address of /proc/net/ip_vs_conn. */
function procAddr(s: string): string | null {
  return s.includes(':') ? canonicalIPv6(s) : s.length === 8 ? hexToIPv4(s) : null;
}

const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * One line of /proc/net/ip_vs_conn or ip_vs_conn_sync -> a connection entry; null for the header
 * and blank lines. `origin` (LOCAL/SYNC) is only in the _sync file. Throws ListingParseError.
 */
export function parseProcConnLine(line: string, lineNo = 0): (ConnEntry & { origin?: 'LOCAL' | 'SYNC' }) | null {
  if (line === '' || line.startsWith('Pro ')) return null;
  const f = line.trim().split(/\s+/);
  const fail = (why: string): never => {
    throw new ListingParseError('/proc/net/ip_vs_conn', [{ line: lineNo, path: '', message: `${why}: "${line}"` }]);
  };
  if (f.length < 9) fail('expected at least 9 columns');
  const client = procAddr(f[1]!);
  const virt = procAddr(f[3]!);
  const dest = procAddr(f[5]!);
  if (!client || !virt || !dest) fail('bad address');
  if (!HEX4.test(f[2]!) || !HEX4.test(f[4]!) || !HEX4.test(f[6]!)) fail('bad port');
  const sync = f.length === 10 && (f[8] === 'LOCAL' || f[8] === 'SYNC');
  const expiresText = sync ? f[9]! : f[8]!;
  if (!/^\d+$/.test(expiresText)) fail('bad expiry');
  const clientPort = parseInt(f[2]!, 16);
  const e: ConnEntry & { origin?: 'LOCAL' | 'SYNC' } = {
    protocol: f[0]!,
    clientAddress: client!,
    clientPort,
    virtualAddress: virt!,
    virtualPort: parseInt(f[4]!, 16),
    destAddress: dest!,
    destPort: parseInt(f[6]!, 16),
    state: f[7]!,
    expires: Number(expiresText),
    template: clientPort === 0,
  };
  if (sync) e.origin = f[8] as 'LOCAL' | 'SYNC';
  else if (f.length > 9) {
    e.pe = f[9]!;
    e.peData = f.slice(10).join(' ');
  }
  return e;
}

/** Stream /proc/net/ip_vs_conn line by line: constant memory for any table size. */
export async function* streamProcConn(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ConnEntry> {
  let n = 0;
  for await (const line of lines) {
    n++;
    const e = parseProcConnLine(line.endsWith('\r') ? line.slice(0, -1) : line, n);
    if (e) yield e;
  }
}

/** One /proc/net/ip_vs_conn line for an entry (what the kernel prints). */
export function formatProcConnLine(e: ConnEntry): string {
  const v6 = e.clientAddress.includes(':');
  const a = (s: string) => (s.includes(':') ? formatIPv6Full(s) : hex(ipv4ToInt(s), 8));
  const pe = e.pe !== undefined ? ` ${e.pe} ${e.peData ?? ''}` : '';
  const from = v6 ? formatIPv6Full(e.clientAddress) : a(e.clientAddress);
  const to = v6 ? formatIPv6Full(e.virtualAddress) : a(e.virtualAddress);
  return `${padR(e.protocol, 3)} ${from} ${hex(e.clientPort, 4)} ${to} ${hex(e.virtualPort, 4)} ${a(e.destAddress)} ${hex(e.destPort, 4)} ${padR(e.state, 11)} ${padL(e.expires, 7)}${pe}`;
}

export function formatProcConn(entries: Iterable<ConnEntry>): string {
  let out = `${PROC_CONN_HEADER}\n`;
  for (const e of entries) out += `${formatProcConnLine(e)}\n`;
  return out;
}
