// `ipvsadm -Ln --thresholds` (upper/lower connection thresholds, which -S does not save) and
// `ipvsadm -Ln --persistent-conn` (weight and persistence-template counts). Their service lines
// are the ordinary -L ones; only the title and the real-server rows differ.
import { type DirectorConfig, type RealServer, type ServiceKey, type VirtualService } from '../model';
import { realServerKeyId, serverKeyId, serviceKeyId } from '../keys';
import type { RealServerStats, StatsSnapshot } from '../stats';
import { hostPort } from '../inet';
import { destsToList, servicesToList, statsIndex } from './list';
import { formatBanner, formatServiceLine, IssueLog, listingLines, padR, parseAddrPort, DEST_TITLE, parseTitledHead, parseServiceLine } from './common';
import type { FormatOptions, ListingHeader, ServiceSettings } from './common';

export interface ThresholdsListing extends ListingHeader {
  services: {
    service: ServiceKey;
    settings: ServiceSettings;
    realServers: { address: string; port: number; upperThreshold: number; lowerThreshold: number; activeConns: number; inactConns: number }[];
  }[];
}

export interface PersistentConnListing extends ListingHeader {
  services: {
    service: ServiceKey;
    settings: ServiceSettings;
    realServers: { address: string; port: number; weight: number; persistConns: number; activeConns: number; inactConns: number }[];
  }[];
}

const PROT = padR('Prot LocalAddress:Port', 33);
const THRESHOLDS_TITLE = `${PROT} ${padR('Uthreshold', 10)} ${padR('Lthreshold', 10)} ${padR('ActiveConn', 10)} ${padR('InActConn', 10)}`;
const PERSISTENT_TITLE = `${PROT} ${padR('Weight', 9)} ${padR('PersistConn', 11)} ${padR('ActiveConn', 10)} ${padR('InActConn', 10)}`;

/** A listing with -L service lines and real-server rows of four numbers. */
function parseFourColumn(
  text: string,
  title: string,
  what: string,
): { header: ListingHeader; services: { service: ServiceKey; settings: ServiceSettings; rows: { address: string; port: number; v: number[] }[] }[] } {
  const log = new IssueLog(what);
  const lines = listingLines(text);
  const { header, start } = parseTitledHead(lines, title, log);
  const services: { service: ServiceKey; settings: ServiceSettings; rows: { address: string; port: number; v: number[] }[] }[] = [];
  for (let n = start; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.startsWith('  -> ')) {
      const f = line.slice(5).trim().split(/\s+/);
      const cur = services[services.length - 1];
      if (!cur) log.add(n + 1, 'a real server line before any service line');
      else if (f.length !== 5 || !f.slice(1).every((x) => /^\d+$/.test(x))) log.add(n + 1, `expected an address and four numbers: "${line}"`);
      else {
        const ap = parseAddrPort(f[0]!);
        if (typeof ap === 'string') log.add(n + 1, ap);
        else cur.rows.push({ ...ap, v: f.slice(1).map(Number) });
      }
      continue;
    }
    const s = parseServiceLine(line);
    if (typeof s === 'string') log.add(n + 1, s);
    else services.push({ ...s, rows: [] });
  }
  log.throwIfAny();
  return { header, services };
}

/** Parse `ipvsadm -Ln --thresholds`. */
export function parseThresholds(text: string): ThresholdsListing {
  return parseListing(text, THRESHOLDS_TITLE, 'ipvsadm -Ln --thresholds listing', (v) => ({ upperThreshold: v[0]!, lowerThreshold: v[1]!, activeConns: v[2]!, inactConns: v[3]! }));
}

/** Parse `ipvsadm -Ln --persistent-conn`. */
export function parsePersistentConn(text: string): PersistentConnListing {
  return parseListing(text, PERSISTENT_TITLE, 'ipvsadm -Ln --persistent-conn listing', (v) => ({ weight: v[0]!, persistConns: v[1]!, activeConns: v[2]!, inactConns: v[3]! }));
}

/** A four-column listing whose real-server rows `columns` names. */
function parseListing<C>(text: string, title: string, what: string, columns: (v: number[]) => C) {
  const { header, services } = parseFourColumn(text, title, what);
  return {
    ...header,
    services: services.map((s) => ({ service: s.service, settings: s.settings, realServers: s.rows.map((r) => ({ address: r.address, port: r.port, ...columns(r.v) })) })),
  };
}

/**
 * Put the thresholds of a --thresholds listing into a config read with -S (which drops -x/-y).
 * Real servers the listing does not show keep theirs.
 */
export function mergeThresholds(config: DirectorConfig, listing: ThresholdsListing): DirectorConfig {
  const th = new Map<string, { u: number; l: number }>();
  for (const s of listing.services) {
    const sid = serviceKeyId(s.service);
    for (const r of s.realServers) th.set(serverKeyId(sid, r), { u: r.upperThreshold, l: r.lowerThreshold });
  }
  return {
    globals: config.globals,
    services: config.services.map((s) => {
      const sid = serviceKeyId(s);
      const realServers: RealServer[] = s.realServers.map((r: RealServer) => {
        const t = th.get(serverKeyId(sid, r));
        return t ? { ...r, upperThreshold: t.u, lowerThreshold: t.l } : r;
      });
      return { ...s, realServers } as VirtualService;
    }),
  };
}

// ---- formatting ------------------------------------------------------------------------------

/** `ipvsadm -Ln --thresholds` of a config and its live counts. */
export function formatThresholds(config: DirectorConfig, stats?: StatsSnapshot | null, o: FormatOptions = {}): string {
  return formatListing(config, stats, o, THRESHOLDS_TITLE, (r, st) => `${padR(r.upperThreshold, 10)} ${padR(r.lowerThreshold, 10)} ${padR(st?.activeConns ?? 0, 10)}`);
}

/** `ipvsadm -Ln --persistent-conn` of a config and its live counts. */
export function formatPersistentConn(config: DirectorConfig, stats?: StatsSnapshot | null, o: FormatOptions = {}): string {
  return formatListing(config, stats, o, PERSISTENT_TITLE, (r, st) => `${padR(r.weight, 9)} ${padR(st?.persistConns ?? 0, 11)} ${padR(st?.activeConns ?? 0, 10)}`);
}

/** A four-column listing: `columns` writes a real server's first three, InActConn is always last. */
function formatListing(config: DirectorConfig, stats: StatsSnapshot | null | undefined, o: FormatOptions, title: string, columns: (r: RealServer, st: RealServerStats | undefined) => string): string {
  const idx = statsIndex(stats);
  let out = (o.service ? '' : formatBanner(o)) + `${title}\n${DEST_TITLE}\n`;
  for (const s of servicesToList(config.services, o)) {
    out += `${formatServiceLine(s)}\n`;
    const live = idx.get(serviceKeyId(s));
    for (const r of destsToList(s.realServers, o)) {
      const st = live?.get(realServerKeyId(r));
      out += `  -> ${padR(hostPort(r.address, r.port), 28)} ${columns(r, st)} ${padR(st?.inactConns ?? 0, 10)}\n`;
    }
  }
  return out;
}
