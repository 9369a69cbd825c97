// An in-memory IPVS table with the kernel's semantics for the operations ipvsadm sends: what
// exists, what is refused and with which ipvs_strerror() text. applyOps() and the rules parser
// (`ipvsadm -R` replays every line against it) share this one implementation.
import { kernelRefused } from './errors';
import { PROTOCOL_NUMBER, PROTOCOLS, type DirectorConfig, type Protocol, type RealServer, type ServiceKey, type SyncDaemon, type Timeouts, type VirtualService } from './model';
import { realServerKeyId, serviceKeyId } from './keys';
import type { Op, RealServerSpec } from './op';
import type { Sysctls } from './sysctls';
import { canonicalAddress, ipv4ToInt, isIPv4, parseIPv6 } from './addr';
import { strictIPv4Value } from './inet';

export type ServiceFields = Omit<VirtualService, 'realServers'>;

export interface TableEntry {
  svc: ServiceFields;
  /** keyed by realServerKeyId (keys.ts) */
  servers: Map<string, RealServer>;
}
type Entry = TableEntry;

/** Numeric sort key of an address: [family, four 32-bit words] (IPv4 before IPv6, then bytes). */
function addressKey(address: string): [number, number, number, number, number] {
  const v4 = strictIPv4Value(address);
  if (v4 >= 0) return [0, v4, 0, 0, 0];
  if (isIPv4(address)) return [0, ipv4ToInt(address), 0, 0, 0];
  const g = parseIPv6(address) ?? [0, 0, 0, 0, 0, 0, 0, 0];
  return [1, g[0]! * 65536 + g[1]!, g[2]! * 65536 + g[3]!, g[4]! * 65536 + g[5]!, g[6]! * 65536 + g[7]!];
}

/** Compares two sort keys (serviceSortKey, or [address key, port]) element by element. */
export function compareSortKeys(ka: readonly number[], kb: readonly number[]): number {
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  return 0;
}

/**
 * Sort by precomputed keys. Each key is one number when it can be (all-IPv4 lists), else an array.
 * Input that is already in order (e.g. ipvsadm -S output) is returned without sorting.
 */
function sortByKeys<T>(items: T[], keys: (number | number[])[]): T[] {
  const scalar = typeof keys[0] === 'number';
  const cmp = scalar ? (a: number, b: number) => (keys[a] as number) - (keys[b] as number) : (a: number, b: number) => compareSortKeys(keys[a] as number[], keys[b] as number[]);
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) if (cmp(i - 1, i) > 0) sorted = false;
  if (sorted) return items;
  const idx = items.map((_, i) => i).sort(cmp);
  return idx.map((i) => items[i]!);
}

/** model.compareRealServers's order (address, then port), with keys computed once per item. */
export function sortRealServers<T extends { address: string; port: number }>(servers: T[]): T[] {
  if (servers.length < 2) return servers;
  const keys: number[] = [];
  for (const r of servers) {
    const v4 = strictIPv4Value(r.address);
    if (v4 < 0)
      return sortByKeys(
        servers,
        servers.map((x) => [...addressKey(x.address), x.port]),
      );
    keys.push(v4 * 65536 + r.port);
  }
  return sortByKeys(servers, keys);
}

/** model.compareServices's order as one number array per service. */
export function serviceSortKey(s: ServiceKey): number[] {
  if (s.protocol === 'fwmark') return [s.fwmark, s.family === 'inet' ? 0 : 1, 0, 0, 0, 0, 0, 0];
  const [fam, w0, w1, w2, w3] = addressKey(s.address);
  return [0, fam, PROTOCOL_NUMBER[s.protocol], w0, w1, w2, w3, s.port];
}

/** model.compareServices's order (non-fwmark first, family, protocol, address, port; then fwmark), keys computed once. */
export function sortServices<T extends ServiceKey>(services: T[]): T[] {
  if (services.length < 2) return services;
  const keys: number[] = [];
  for (const s of services) {
    const v4 = s.protocol === 'fwmark' ? -1 : strictIPv4Value(s.address);
    if (v4 < 0) {
      return sortByKeys(services, services.map(serviceSortKey));
    }
    keys.push(PROTOCOLS.indexOf((s as { protocol: Protocol }).protocol) * 2 ** 48 + v4 * 65536 + (s as { port: number }).port);
  }
  return sortByKeys(services, keys);
}

/** The canonical real server (model.ts canonicalService's shape) from an op's server spec. */
export function canonicalServer(r: RealServerSpec | RealServer): RealServer {
  const tunnelType = r.forwarding === 'tunnel' ? (r.tunnelType ?? 'ipip') : undefined;
  const out: RealServer = {
    address: strictIPv4Value(r.address) >= 0 ? r.address : canonicalAddress(r.address),
    port: r.port,
    forwarding: r.forwarding,
    weight: r.weight,
    upperThreshold: r.upperThreshold,
    lowerThreshold: r.lowerThreshold,
  };
  if (tunnelType) out.tunnelType = tunnelType;
  if (tunnelType === 'gue') out.tunnelPort = r.tunnelPort;
  if (tunnelType === 'gue' || tunnelType === 'gre') out.tunnelChecksum = r.tunnelChecksum ?? 'nocsum';
  if ('drain' in r && r.drain) out.drain = r.drain;
  return out;
}

function serviceFields(s: VirtualService | ServiceFields): ServiceFields {
  const { realServers: _ignored, ...rest } = s as VirtualService;
  return rest;
}

export class KernelTable {
  private readonly services = new Map<string, Entry>();
  /** bumped whenever an entry goes away, so callers may cache entries between changes */
  generation = 0;
  timeouts: Timeouts | null = null;
  daemons: SyncDaemon[] = [];
  sysctls: Sysctls | undefined = undefined;

  static from(config: DirectorConfig): KernelTable {
    const t = new KernelTable();
    for (const s of config.services) {
      const servers = new Map<string, RealServer>();
      for (const r of s.realServers) servers.set(realServerKeyId(r), r);
      t.services.set(serviceKeyId(s), { svc: serviceFields(s), servers });
    }
    t.timeouts = config.globals.timeouts ? { ...config.globals.timeouts } : null;
    t.daemons = config.globals.syncDaemons.map((d) => ({ ...d }));
    t.sysctls = config.globals.sysctls ? { ...config.globals.sysctls } : undefined;
    return t;
  }

  /** The entry of a service by its serviceKeyId (for callers that cache ids). */
  entry(id: string): TableEntry | undefined {
    return this.services.get(id);
  }

  hasService(key: ServiceKey): boolean {
    return this.services.has(serviceKeyId(key));
  }

  flush(): void {
    this.services.clear();
    this.generation++;
  }

  /**
   * Apply one op; throws IpvsadmError exactly where the kernel refuses it. `canonical`: the op's
   * server is already in canonical form (built by this module's callers), so it is stored as is.
   */
  apply(op: Op, canonical = false): void {
    switch (op.op) {
      case 'add-service': {
        const id = serviceKeyId(op.service);
        if (this.services.has(id)) throw kernelRefused(op.op, 'EEXIST', { op });
        this.services.set(id, { svc: serviceFields(op.service), servers: new Map() });
        return;
      }
      case 'edit-service': {
        const e = this.services.get(serviceKeyId(op.service));
        if (!e) throw kernelRefused(op.op, 'ESRCH', { op });
        e.svc = serviceFields(op.service);
        return;
      }
      case 'delete-service': {
        if (!this.services.delete(serviceKeyId(op.service))) throw kernelRefused(op.op, 'ESRCH', { op });
        this.generation++;
        return;
      }
      case 'add-server':
      case 'edit-server': {
        const e = this.services.get(serviceKeyId(op.service));
        if (!e) throw kernelRefused(op.op, 'ESRCH', { op });
        if (op.server.lowerThreshold > op.server.upperThreshold || op.server.weight < 0) throw kernelRefused(op.op, 'ERANGE', { op });
        const r = canonical ? (op.server as RealServer) : canonicalServer(op.server);
        const id = realServerKeyId(r);
        if (op.op === 'add-server' && e.servers.has(id)) throw kernelRefused(op.op, 'EEXIST', { op });
        if (op.op === 'edit-server' && !e.servers.has(id)) throw kernelRefused(op.op, 'ENOENT', { op });
        e.servers.set(id, r);
        return;
      }
      case 'delete-server': {
        const e = this.services.get(serviceKeyId(op.service));
        if (!e) throw kernelRefused(op.op, 'ESRCH', { op });
        if (!e.servers.delete(realServerKeyId({ address: canonicalAddress(op.server.address), port: op.server.port }))) throw kernelRefused(op.op, 'ENOENT', { op });
        return;
      }
      case 'set-timeouts': {
        // 0 leaves a value unchanged (ip_vs_set_timeout)
        const cur = this.timeouts;
        const t = op.timeouts;
        this.timeouts = { tcp: t.tcp || cur?.tcp || 0, tcpfin: t.tcpfin || cur?.tcpfin || 0, udp: t.udp || cur?.udp || 0 };
        return;
      }
      case 'start-daemon': {
        if (this.daemons.some((d) => d.state === op.daemon.state)) throw kernelRefused(op.op, 'EEXIST', { op });
        this.daemons.push({ ...op.daemon });
        return;
      }
      case 'stop-daemon': {
        const i = this.daemons.findIndex((d) => d.state === op.state);
        if (i < 0) throw kernelRefused(op.op, 'ESRCH', { op });
        this.daemons.splice(i, 1);
        return;
      }
      case 'set-sysctl':
        this.sysctls = { ...this.sysctls, [op.name]: op.value };
        return;
    }
  }

  /** The table as a canonical DirectorConfig (sorted services and real servers). */
  toConfig(): DirectorConfig {
    const services: VirtualService[] = [];
    for (const e of this.services.values()) {
      services.push({ ...e.svc, realServers: sortRealServers([...e.servers.values()]) } as VirtualService);
    }
    const sorted = sortServices(services);
    const daemons = [...this.daemons].sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
    return { globals: { timeouts: this.timeouts, syncDaemons: daemons, ...(this.sysctls ? { sysctls: { ...this.sysctls } } : {}) }, services: sorted };
  }
}
