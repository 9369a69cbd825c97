// `ipvsadm -Ln --stats [--exact]` and `ipvsadm -Ln --rate [--exact]`: counters since the last -Z,
// and the kernel estimator's rates (conn/s, packets/s, bytes/s).
import type { ServiceKey } from '../model';
import { ZERO_COUNTERS, ZERO_RATES, type Counters, type Rates, type StatsSnapshot } from '../stats';
import { hostPort } from '../inet';
import { destsToList, servicesToList } from './list';
import {
  formatBanner,
  formatLargenum,
  IssueLog,
  listingLines,
  padL,
  padR,
  parseAddrPort,
  DEST_TITLE,
  parseTitledHead,
  parseLargenum,
  serviceName,
  type FormatOptions,
  type ListingHeader,
} from './common';

export interface StatsListing extends ListingHeader {
  /** false when some value had a K/M/G/T suffix (then it is the truncated lower bound); use --exact */
  exact: boolean;
  services: { service: ServiceKey; counters: Counters; realServers: { address: string; port: number; counters: Counters }[] }[];
}

export interface RateListing extends ListingHeader {
  exact: boolean;
  services: { service: ServiceKey; rates: Rates; realServers: { address: string; port: number; rates: Rates }[] }[];
}

const PROT_TITLE = padR('Prot LocalAddress:Port', 33);
const STATS_TITLE = `${PROT_TITLE} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((t) => padL(t, 8)).join(' ')}`;
const RATE_TITLE = `${PROT_TITLE} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((t) => padL(t, 8)).join(' ')}`;

interface Row {
  service?: ServiceKey;
  dest?: { address: string; port: number };
  values: number[];
}

/** Rows of a --stats/--rate listing; the service column is everything before the five numbers. */
function parseRows(text: string, title: string, what: string): { header: ListingHeader; rows: Row[]; exact: boolean } {
  const log = new IssueLog(what);
  const lines = listingLines(text);
  const { header, start } = parseTitledHead(lines, title, log);
  const rows: Row[] = [];
  let exact = true;
  for (let n = start; n < lines.length; n++) {
    const line = lines[n]!;
    const isDest = line.startsWith('  -> ');
    const f = (isDest ? line.slice(5) : line).trim().split(/\s+/);
    if (f.length < 6) {
      log.add(n + 1, `expected a name and five numbers: "${line}"`);
      continue;
    }
    const nums = f.slice(-5).map(parseLargenum);
    if (nums.some((x) => x === null)) {
      log.add(n + 1, `the last five columns must be numbers (optionally with K/M/G/T): "${line}"`);
      continue;
    }
    if (nums.some((x) => !x!.exact)) exact = false;
    const values = nums.map((x) => x!.value);
    const name = f.slice(0, -5);
    if (isDest) {
      if (!rows.some((r) => r.service)) {
        log.add(n + 1, 'a real server line before any service line');
        continue;
      }
      const ap = name.length === 1 ? parseAddrPort(name[0]!) : `unexpected "${name.join(' ')}"`;
      if (typeof ap === 'string') log.add(n + 1, ap);
      else rows.push({ dest: ap, values });
      continue;
    }
    const svc = parseServiceName(name);
    if (typeof svc === 'string') log.add(n + 1, svc);
    else rows.push({ service: svc, values });
  }
  log.throwIfAny();
  return { header, rows, exact };
}

/** "TCP 10.0.0.1:80" / "FWM 3 IPv6" split on blanks -> key. */
function parseServiceName(f: string[]): ServiceKey | string {
  if (f[0] === 'FWM' && /^\d+$/.test(f[1] ?? '') && (f.length === 2 || (f.length === 3 && f[2] === 'IPv6'))) return { protocol: 'fwmark', fwmark: Number(f[1]), family: f[2] ? 'inet6' : 'inet' };
  if ((f[0] === 'TCP' || f[0] === 'UDP' || f[0] === 'SCTP') && f.length === 2) {
    const ap = parseAddrPort(f[1]!);
    if (typeof ap === 'string') return ap;
    return { protocol: f[0].toLowerCase() as 'tcp' | 'udp' | 'sctp', ...ap };
  }
  return `not a service: "${f.join(' ')}"`;
}

function group<V>(rows: Row[], make: (v: number[]) => V) {
  const services: { service: ServiceKey; v: V; dests: { address: string; port: number; v: V }[] }[] = [];
  for (const r of rows) {
    if (r.service) services.push({ service: r.service, v: make(r.values), dests: [] });
    else services[services.length - 1]!.dests.push({ ...r.dest!, v: make(r.values) });
  }
  return services;
}

const counters = (v: number[]): Counters => ({ conns: v[0]!, inPkts: v[1]!, outPkts: v[2]!, inBytes: v[3]!, outBytes: v[4]! });
const rates = (v: number[]): Rates => ({ cps: v[0]!, inpps: v[1]!, outpps: v[2]!, inbps: v[3]!, outbps: v[4]! });

/** Parse `ipvsadm -Ln --stats [--exact]` (with or without the banner). */
export function parseStatsListing(text: string): StatsListing {
  const { header, rows, exact } = parseRows(text, STATS_TITLE, 'ipvsadm -Ln --stats listing');
  return {
    ...header,
    exact,
    services: group(rows, counters).map((s) => ({ service: s.service, counters: s.v, realServers: s.dests.map((d) => ({ address: d.address, port: d.port, counters: d.v })) })),
  };
}

/** Parse `ipvsadm -Ln --rate [--exact]` (with or without the banner). */
export function parseRateListing(text: string): RateListing {
  const { header, rows, exact } = parseRows(text, RATE_TITLE, 'ipvsadm -Ln --rate listing');
  return { ...header, exact, services: group(rows, rates).map((s) => ({ service: s.service, rates: s.v, realServers: s.dests.map((d) => ({ address: d.address, port: d.port, rates: d.v })) })) };
}

// ---- formatting ------------------------------------------------------------------------------

type Opts = FormatOptions & { exact?: boolean };

/** `ipvsadm -Ln --stats [--exact]` of a snapshot. */
export function formatStatsListing(snapshot: StatsSnapshot, o: Opts = {}): string {
  const exact = o.exact ?? false;
  const nums = (c: Counters) => [c.conns, c.inPkts, c.outPkts, c.inBytes, c.outBytes].map((n) => formatLargenum(n, exact)).join('');
  let out = (o.service ? '' : formatBanner(o)) + `${STATS_TITLE}\n${DEST_TITLE}\n`;
  for (const s of servicesToList(
    snapshot.services.map((x) => ({ ...x.service, x })),
    o,
  )) {
    out += `${padR(serviceName(s), 33)}${nums(s.x.counters ?? ZERO_COUNTERS)}\n`;
    for (const r of destsToList(s.x.realServers, o)) out += `  -> ${padR(hostPort(r.address, r.port), 28)}${nums(r.counters)}\n`;
  }
  return out;
}

/** `ipvsadm -Ln --rate [--exact]` of a snapshot: real servers print CPS/InPPS/OutPPS without suffixes. */
export function formatRateListing(snapshot: StatsSnapshot, o: Opts = {}): string {
  const exact = o.exact ?? false;
  let out = (o.service ? '' : formatBanner(o)) + `${RATE_TITLE}\n${DEST_TITLE}\n`;
  for (const s of servicesToList(
    snapshot.services.map((x) => ({ ...x.service, x })),
    o,
  )) {
    const r0 = s.x.rates ?? ZERO_RATES;
    out += `${padR(serviceName(s), 33)}${[r0.cps, r0.inpps, r0.outpps, r0.inbps, r0.outbps].map((n) => formatLargenum(n, exact)).join('')}\n`;
    for (const r of destsToList(s.x.realServers, o)) {
      const t = r.rates;
      out += `  -> ${padR(hostPort(r.address, r.port), 28)} ${padL(t.cps, 8)} ${padL(t.inpps, 8)} ${padL(t.outpps, 8)}${formatLargenum(t.inbps, exact)}${formatLargenum(t.outbps, exact)}\n`;
    }
  }
  return out;
}
