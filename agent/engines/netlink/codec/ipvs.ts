// The IPVS generic netlink family (include/uapi/linux/ip_vs.h, net/netfilter/ipvs/ip_vs_ctl.c),
// pure: the model's services, real servers, timeouts, sync daemons and stats to attributes and
// back. Decoded objects are already in the model's canonical form (the shape DirectorConfigSchema
// produces), so a read needs no second parse. Field names and enums come from lib/ipvs/model.
import { addressFamily, formatIPv6, intToIPv4, addressBytes } from '@/lib/ipvs/addr';
import { canonicalServer } from '@/lib/ipvs/kernel-table';
import {
  isDefaultNetmask,
  schedFlagBit,
  schedFlagName,
  serviceFamily,
  withoutDaemonDefaults,
  type Family,
  type Forwarding,
  type Protocol,
  type RealServer,
  type Scheduler,
  type ServiceKey,
  type SyncDaemon,
  type Timeouts,
  type VirtualService,
} from '@/lib/ipvs/model';
import type { Op, RealServerSpec } from '@/lib/ipvs/op';
import type { Counters, Rates } from '@/lib/ipvs/stats';
import {
  be16,
  bytes,
  decodeAttrs,
  getBe16,
  getStr,
  getU16,
  getU32,
  getU64,
  getU8,
  nest,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  str,
  u16,
  u32,
  u8,
  type Attr,
  type AttrMap,
  type GenlRequest,
} from './nlmsg';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  GET_INFO: 15,
} as const;

const CMD_ATTR = { SERVICE: 1, DEST: 2, DAEMON: 3, TIMEOUT_TCP: 4, TIMEOUT_TCP_FIN: 5, TIMEOUT_UDP: 6 } as const;
const SVC = { AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8, NETMASK: 9, STATS: 10, PE_NAME: 11, STATS64: 12 } as const;
const DEST = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;
const DAEMON = { STATE: 1, MCAST_IFN: 2, SYNC_ID: 3, SYNC_MAXLEN: 4, MCAST_GROUP: 5, MCAST_GROUP6: 6, MCAST_PORT: 7, MCAST_TTL: 8 } as const;
const STATS = { CONNS: 1, INPKTS: 2, OUTPKTS: 3, INBYTES: 4, OUTBYTES: 5, CPS: 6, INPPS: 7, OUTPPS: 8, INBPS: 9, OUTBPS: 10 } as const;
const INFO = { VERSION: 1, CONN_TAB_SIZE: 2 } as const;

// Kernel numbers for the model's enums (uapi values, keyed by the model's own names).
const AF: Record<Family, number> = { inet: 2, inet6: 10 };
const PROTO: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };
const FWD: Record<Forwarding, number> = { masq: 0, tunnel: 2, route: 3 }; // IP_VS_CONN_F_MASQ/TUNNEL/DROUTE
const IP_VS_CONN_F_LOCALNODE = 1;
const TUN_TYPE: Record<NonNullable<RealServer['tunnelType']>, number> = { ipip: 0, gue: 1, gre: 2 };
const TUN_CSUM: Record<NonNullable<RealServer['tunnelChecksum']>, number> = { nocsum: 0, csum: 1, remcsum: 2 }; // IP_VS_TUNNEL_ENCAP_FLAG_*
const DAEMON_STATE = { master: 1, backup: 2 } as const; // IP_VS_STATE_MASTER / BACKUP
const SVC_F_PERSISTENT = 0x1;
const SVC_F_ONEPACKET = 0x4;
/** IP_VS_SVC_F_SCHED1..3: the model's flag bit 1..3 is 0x8 << (bit - 1). */
const schedBitMask = (bit: 1 | 2 | 3) => 0x8 << (bit - 1);

const invert = <K extends string>(r: Record<K, number>) => new Map(Object.entries(r).map(([k, v]) => [v as number, k as K]));
const AF_NAME = invert(AF);
const PROTO_NAME = invert(PROTO);
const FWD_NAME = invert(FWD);
const TUN_TYPE_NAME = invert(TUN_TYPE);
const TUN_CSUM_NAME = invert(TUN_CSUM);

// ---- addresses -----------------------------------------------------------------------------------

/** union nf_inet_addr: 16 bytes, an IPv4 address in the first four. */
export function encodeInetAddr(address: string): Buffer {
  const b = Buffer.alloc(16);
  b.set(addressBytes(address));
  return b;
}

export function decodeInetAddr(b: Buffer, family: Family): string {
  if (family === 'inet') return intToIPv4(b.readUInt32BE(0));
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  return formatIPv6(g);
}

function familyOf(m: AttrMap, t: number, what: string): Family {
  const af = getU16(m, t);
  const f = af === undefined ? undefined : AF_NAME.get(af);
  if (!f) throw new Error(`${what}: unknown address family ${af}`);
  return f;
}

// ---- services ------------------------------------------------------------------------------------

/** A service without its real servers: what NEW_SERVICE / SET_SERVICE carry and GET_SERVICE returns. */
export type ServiceSettings = ServiceKey & Pick<VirtualService, 'scheduler' | 'schedFlags' | 'persistence' | 'onePacket'>;
export type DecodedService = ServiceSettings;

/** The attributes naming a service (ip_vs_genl_parse_service without the full entry). */
export function serviceKeyAttrs(key: ServiceKey): Attr[] {
  const af = u16(SVC.AF, AF[serviceFamily(key)]);
  if (key.protocol === 'fwmark') return [af, u32(SVC.FWMARK, key.fwmark)];
  return [af, u16(SVC.PROTOCOL, PROTO[key.protocol]), bytes(SVC.ADDR, encodeInetAddr(key.address)), be16(SVC.PORT, key.port)];
}

/** IPVS_SVC_ATTR_NETMASK: an IPv4 mask in network order, an IPv6 prefix length in host order. */
function netmaskAttr(s: ServiceKey & { persistence?: VirtualService['persistence'] }): Attr {
  const family = serviceFamily(s);
  const mask = s.persistence?.netmask;
  if (family === 'inet6') return u32(SVC.NETMASK, mask === undefined ? 128 : Number(mask));
  return bytes(SVC.NETMASK, Buffer.from(addressBytes(mask ?? '255.255.255.255')));
}

/** The complete service, as NEW_SERVICE / SET_SERVICE need it (flags sent with a full mask). */
export function serviceAttrs(s: ServiceSettings): Attr[] {
  let flags = 0;
  if (s.persistence) flags |= SVC_F_PERSISTENT;
  if (s.onePacket) flags |= SVC_F_ONEPACKET;
  for (const f of s.schedFlags) flags |= schedBitMask(schedFlagBit(f));
  const flagsBuf = Buffer.alloc(8);
  flagsBuf.writeUInt32LE(flags, 0);
  flagsBuf.writeUInt32LE(0xffffffff, 4);
  const out = [...serviceKeyAttrs(s), str(SVC.SCHED_NAME, s.scheduler), bytes(SVC.FLAGS, flagsBuf), u32(SVC.TIMEOUT, s.persistence?.timeout ?? 0), netmaskAttr(s)];
  if (s.persistence?.pe) out.push(str(SVC.PE_NAME, s.persistence.pe));
  return out;
}

/** A service as the kernel reports it, canonical (what DirectorConfigSchema would make of it). */
export function decodeService(m: AttrMap): DecodedService {
  const family = familyOf(m, SVC.AF, 'service');
  const fwmark = getU32(m, SVC.FWMARK) ?? 0;
  let key: ServiceKey;
  if (fwmark !== 0) key = { protocol: 'fwmark', fwmark, family };
  else {
    const proto = PROTO_NAME.get(getU16(m, SVC.PROTOCOL) ?? -1);
    const addr = m.get(SVC.ADDR);
    if (!proto || !addr) throw new Error(`service without a protocol or address (protocol ${getU16(m, SVC.PROTOCOL)})`);
    key = { protocol: proto, address: decodeInetAddr(addr, family), port: getBe16(m, SVC.PORT) ?? 0 };
  }
  const scheduler = (getStr(m, SVC.SCHED_NAME) ?? '') as Scheduler;
  const flagsBuf = m.get(SVC.FLAGS);
  const flags = flagsBuf ? flagsBuf.readUInt32LE(0) : 0;
  const bits = ([1, 2, 3] as const).filter((b) => flags & schedBitMask(b));
  let persistence: VirtualService['persistence'];
  if (flags & SVC_F_PERSISTENT) {
    const nm = m.get(SVC.NETMASK);
    const netmask = nm ? (family === 'inet' ? intToIPv4(nm.readUInt32BE(0)) : String(nm.readUInt32LE(0))) : undefined;
    const pe = getStr(m, SVC.PE_NAME);
    persistence = {
      timeout: getU32(m, SVC.TIMEOUT) ?? 0,
      ...(isDefaultNetmask(netmask, family) ? {} : { netmask }),
      ...(pe === 'sip' ? { pe } : {}),
    };
  }
  return {
    ...key,
    scheduler,
    schedFlags: bits.map((b) => schedFlagName(scheduler, b)),
    ...(persistence ? { persistence } : {}),
    onePacket: (flags & SVC_F_ONEPACKET) !== 0,
  } as DecodedService;
}

// ---- destinations (real servers) -------------------------------------------------------------------

/** The attributes naming a destination (DEL_DEST). */
export function destKeyAttrs(r: { address: string; port: number }): Attr[] {
  return [u16(DEST.ADDR_FAMILY, AF[addressFamily(r.address) ?? 'inet']), bytes(DEST.ADDR, encodeInetAddr(r.address)), be16(DEST.PORT, r.port)];
}

/** The complete destination, as NEW_DEST / SET_DEST need it; tunnel fields as ipvsadm sends them. */
export function destAttrs(spec: RealServerSpec): Attr[] {
  const r = canonicalServer(spec);
  const out = [...destKeyAttrs(r), u32(DEST.FWD_METHOD, FWD[r.forwarding]), u32(DEST.WEIGHT, r.weight), u32(DEST.U_THRESH, r.upperThreshold), u32(DEST.L_THRESH, r.lowerThreshold)];
  if (r.tunnelType) {
    out.push(u8(DEST.TUN_TYPE, TUN_TYPE[r.tunnelType]));
    if (r.tunnelPort !== undefined) out.push(be16(DEST.TUN_PORT, r.tunnelPort));
    if (r.tunnelChecksum) out.push(u16(DEST.TUN_FLAGS, TUN_CSUM[r.tunnelChecksum]));
  }
  return out;
}

export interface DecodedDest {
  server: RealServer;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  stats: { counters: Counters; rates: Rates } | null;
}

/** A destination as the kernel reports it: the canonical real server plus its counts and stats. */
export function decodeDest(m: AttrMap, serviceFamily: Family): DecodedDest {
  const af = getU16(m, DEST.ADDR_FAMILY);
  const family = af === undefined ? serviceFamily : familyOf(m, DEST.ADDR_FAMILY, 'destination');
  const addr = m.get(DEST.ADDR);
  if (!addr) throw new Error('destination without an address');
  const fwdNum = (getU32(m, DEST.FWD_METHOD) ?? 0) & 7;
  const forwarding = FWD_NAME.get(fwdNum === IP_VS_CONN_F_LOCALNODE ? FWD.route : fwdNum) ?? 'route';
  const spec: RealServerSpec = {
    address: decodeInetAddr(addr, family),
    port: getBe16(m, DEST.PORT) ?? 0,
    forwarding,
    weight: getU32(m, DEST.WEIGHT) ?? 0,
    upperThreshold: getU32(m, DEST.U_THRESH) ?? 0,
    lowerThreshold: getU32(m, DEST.L_THRESH) ?? 0,
  };
  if (forwarding === 'tunnel') {
    const type = TUN_TYPE_NAME.get(getU8(m, DEST.TUN_TYPE) ?? 0) ?? 'ipip';
    spec.tunnelType = type;
    if (type === 'gue') spec.tunnelPort = getBe16(m, DEST.TUN_PORT) ?? 0;
    if (type !== 'ipip') spec.tunnelChecksum = TUN_CSUM_NAME.get(getU16(m, DEST.TUN_FLAGS) ?? 0) ?? 'nocsum';
  }
  return {
    server: canonicalServer(spec),
    activeConns: getU32(m, DEST.ACTIVE_CONNS) ?? 0,
    inactConns: getU32(m, DEST.INACT_CONNS) ?? 0,
    persistConns: getU32(m, DEST.PERSIST_CONNS) ?? 0,
    stats: decodeStats64(m.get(DEST.STATS64)),
  };
}

// ---- stats64 (counters and the estimator's rates) ---------------------------------------------------

export function decodeStats64(nested: Buffer | undefined): { counters: Counters; rates: Rates } | null {
  if (!nested) return null;
  const m = decodeAttrs(nested);
  const g = (t: number) => getU64(m, t) ?? 0;
  return {
    counters: { conns: g(STATS.CONNS), inPkts: g(STATS.INPKTS), outPkts: g(STATS.OUTPKTS), inBytes: g(STATS.INBYTES), outBytes: g(STATS.OUTBYTES) },
    rates: { cps: g(STATS.CPS), inpps: g(STATS.INPPS), outpps: g(STATS.OUTPPS), inbps: g(STATS.INBPS), outbps: g(STATS.OUTBPS) },
  };
}

/** A service message's stats64 (GET_SERVICE dumps carry them with every service). */
export const serviceStats = (m: AttrMap) => decodeStats64(m.get(SVC.STATS64));

// ---- info, timeouts, sync daemons -----------------------------------------------------------------------

/** IP_VS_VERSION_CODE (0x010201) as "1.2.1", and the connection hash table size. */
export function decodeInfo(m: AttrMap): { version: string; connTableSize: number } {
  const v = getU32(m, INFO.VERSION) ?? 0;
  return { version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, connTableSize: getU32(m, INFO.CONN_TAB_SIZE) ?? 0 };
}

export function timeoutsAttrs(t: Timeouts): Attr[] {
  return [u32(CMD_ATTR.TIMEOUT_TCP, t.tcp), u32(CMD_ATTR.TIMEOUT_TCP_FIN, t.tcpfin), u32(CMD_ATTR.TIMEOUT_UDP, t.udp)];
}

export function decodeTimeouts(m: AttrMap): Timeouts {
  return { tcp: getU32(m, CMD_ATTR.TIMEOUT_TCP) ?? 0, tcpfin: getU32(m, CMD_ATTR.TIMEOUT_TCP_FIN) ?? 0, udp: getU32(m, CMD_ATTR.TIMEOUT_UDP) ?? 0 };
}

export function daemonAttrs(d: SyncDaemon): Attr[] {
  const out = [u32(DAEMON.STATE, DAEMON_STATE[d.state]), str(DAEMON.MCAST_IFN, d.interface), u32(DAEMON.SYNC_ID, d.syncId)];
  if (d.maxLen !== undefined) out.push(u16(DAEMON.SYNC_MAXLEN, d.maxLen));
  if (d.group !== undefined) {
    out.push(addressFamily(d.group) === 'inet6' ? bytes(DAEMON.MCAST_GROUP6, Buffer.from(addressBytes(d.group))) : bytes(DAEMON.MCAST_GROUP, Buffer.from(addressBytes(d.group))));
  }
  if (d.port !== undefined) out.push(u16(DAEMON.MCAST_PORT, d.port));
  if (d.ttl !== undefined) out.push(u8(DAEMON.MCAST_TTL, d.ttl));
  return out;
}

/** One daemon of a GET_DAEMON dump (the message's IPVS_CMD_ATTR_DAEMON), kernel defaults left out. */
export function decodeDaemon(msg: AttrMap): SyncDaemon {
  const nested = msg.get(CMD_ATTR.DAEMON);
  if (!nested) throw new Error('GET_DAEMON reply without a daemon');
  const m = decodeAttrs(nested);
  const state = getU32(m, DAEMON.STATE) === DAEMON_STATE.backup ? 'backup' : 'master';
  const g4 = m.get(DAEMON.MCAST_GROUP);
  const g6 = m.get(DAEMON.MCAST_GROUP6);
  return withoutDaemonDefaults({
    state,
    interface: getStr(m, DAEMON.MCAST_IFN) ?? '',
    syncId: getU32(m, DAEMON.SYNC_ID) ?? 0,
    maxLen: getU16(m, DAEMON.SYNC_MAXLEN),
    group: g6 && !g6.every((b) => b === 0) ? decodeInetAddr(g6, 'inet6') : g4 ? decodeInetAddr(g4, 'inet') : undefined,
    port: getU16(m, DAEMON.MCAST_PORT),
    ttl: getU8(m, DAEMON.MCAST_TTL),
  } as SyncDaemon);
}

// ---- requests ---------------------------------------------------------------------------------------------

const req = (family: number, cmd: number, flags: number, attrs: Attr[] = []): GenlRequest => ({ family, cmd, version: IPVS_GENL_VERSION, flags, attrs });
const DO = NLM_F_REQUEST | NLM_F_ACK;
const DUMP = NLM_F_REQUEST | NLM_F_DUMP;

export const getInfoRequest = (family: number) => req(family, CMD.GET_INFO, DO);
export const getConfigRequest = (family: number) => req(family, CMD.GET_CONFIG, DO);
export const dumpDaemonsRequest = (family: number) => req(family, CMD.GET_DAEMON, DUMP);
export const dumpServicesRequest = (family: number) => req(family, CMD.GET_SERVICE, DUMP);
/** One service by its key (the kernel answers ESRCH when it does not exist). */
export const getServiceRequest = (family: number, key: ServiceKey) => req(family, CMD.GET_SERVICE, DO, [nest(CMD_ATTR.SERVICE, serviceKeyAttrs(key))]);
export const dumpDestsRequest = (family: number, key: ServiceKey) => req(family, CMD.GET_DEST, DUMP, [nest(CMD_ATTR.SERVICE, serviceKeyAttrs(key))]);

/** The service a GET_SERVICE reply carries (IPVS_CMD_ATTR_SERVICE). */
export function serviceOf(msg: AttrMap): AttrMap {
  const nested = msg.get(CMD_ATTR.SERVICE);
  if (!nested) throw new Error('GET_SERVICE reply without a service');
  return decodeAttrs(nested);
}

/** The destination a GET_DEST reply carries (IPVS_CMD_ATTR_DEST). */
export function destOf(msg: AttrMap): AttrMap {
  const nested = msg.get(CMD_ATTR.DEST);
  if (!nested) throw new Error('GET_DEST reply without a destination');
  return decodeAttrs(nested);
}

/** One op = one kernel request with an ACK, exactly what ipvsadm sends for the same command. */
export function opRequest(family: number, op: Op): GenlRequest {
  switch (op.op) {
    case 'add-service':
      return req(family, CMD.NEW_SERVICE, DO, [nest(CMD_ATTR.SERVICE, serviceAttrs(op.service))]);
    case 'edit-service':
      return req(family, CMD.SET_SERVICE, DO, [nest(CMD_ATTR.SERVICE, serviceAttrs(op.service))]);
    case 'delete-service':
      return req(family, CMD.DEL_SERVICE, DO, [nest(CMD_ATTR.SERVICE, serviceKeyAttrs(op.service))]);
    case 'add-server':
      return req(family, CMD.NEW_DEST, DO, [nest(CMD_ATTR.SERVICE, serviceKeyAttrs(op.service)), nest(CMD_ATTR.DEST, destAttrs(op.server))]);
    case 'edit-server':
      return req(family, CMD.SET_DEST, DO, [nest(CMD_ATTR.SERVICE, serviceKeyAttrs(op.service)), nest(CMD_ATTR.DEST, destAttrs(op.server))]);
    case 'delete-server':
      return req(family, CMD.DEL_DEST, DO, [nest(CMD_ATTR.SERVICE, serviceKeyAttrs(op.service)), nest(CMD_ATTR.DEST, destKeyAttrs(op.server))]);
    case 'set-timeouts':
      return req(family, CMD.SET_CONFIG, DO, timeoutsAttrs(op.timeouts));
    case 'start-daemon':
      return req(family, CMD.NEW_DAEMON, DO, [nest(CMD_ATTR.DAEMON, daemonAttrs(op.daemon))]);
    case 'stop-daemon':
      return req(family, CMD.DEL_DAEMON, DO, [nest(CMD_ATTR.DAEMON, [u32(DAEMON.STATE, DAEMON_STATE[op.state])])]);
    case 'set-sysctl':
      throw new Error('IPVS settings are /proc writes, not netlink requests (agent/engines/sysctl-io.ts applies them)');
  }
}

/** Exposed for the codec tests: decode what opRequest encodes. */
export const ATTR = { CMD_ATTR, SVC, DEST, DAEMON, STATS, INFO } as const;
