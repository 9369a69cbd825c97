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
import { ZERO_COUNTERS, ZERO_RATES, type Counters, type Rates } from '@/lib/ipvs/stats';
import { be16, bytes, decodeAttrs, getBe16, getStr, getU16, getU32, getU8, nest, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, str, u16, u32, u8, type Attr, type AttrMap, type GenlRequest } from './nlmsg';

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
  stats: Stats64 | null;
}

// ---- stats64 (counters and the estimator's rates) ---------------------------------------------------

export function decodeStats64(nested: Buffer | undefined): Stats64 | null {
  if (!nested) return null;
  const out = { counters: { ...ZERO_COUNTERS }, rates: { ...ZERO_RATES } };
  stats64At(new DataView(nested.buffer, nested.byteOffset, nested.length), 0, nested.length, out.counters, out.rates);
  return out;
}

/** A service message's stats64 (GET_SERVICE dumps carry them with every service). */
export const serviceStats = (m: AttrMap) => decodeStats64(m.get(SVC.STATS64));

// ---- hot paths: stats samples and full reads, decoded in place ------------------------------------
// A 3,000-service sample is 3,000 service and 30,000 destination messages. These walk the
// attributes once with the datagram's DataView, read only the fields their reader needs, and
// allocate only what they return (no attribute maps, no slices, no intermediate objects).

const NLA_TYPE_MASK = 0x3fff;
const TWO_32 = 4294967296;

/** Dotted quads by their 32-bit value: the same few thousand addresses come back every second. */
const v4Names = new Map<number, string>();
function v4Name(n: number): string {
  let s = v4Names.get(n);
  if (s === undefined) {
    s = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    if (v4Names.size >= 1 << 17) v4Names.clear(); // bounded: a table that churns starts over
    v4Names.set(n, s);
  }
  return s;
}

function addrAt(view: DataView, off: number, family: Family): string {
  if (family === 'inet') return v4Name(view.getUint32(off, false));
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = view.getUint16(off + 2 * i, false);
  return formatIPv6(g);
}

function badAttr(off: number, len: number): Error {
  return new Error(`malformed netlink attribute at offset ${off} (length ${len})`);
}

/**
 * IPVS_STATS_ATTR_* -> the counter or rate it carries: the one table of stats64 fields, which
 * every stats decoder reads (by attribute number: no map lookup on the hot path).
 */
const STATS64_FIELD: readonly (readonly ['counters', keyof Counters] | readonly ['rates', keyof Rates] | undefined)[] = (() => {
  const t: (readonly ['counters', keyof Counters] | readonly ['rates', keyof Rates] | undefined)[] = [];
  const c = { CONNS: 'conns', INPKTS: 'inPkts', OUTPKTS: 'outPkts', INBYTES: 'inBytes', OUTBYTES: 'outBytes' } as const;
  const r = { CPS: 'cps', INPPS: 'inpps', OUTPPS: 'outpps', INBPS: 'inbps', OUTBPS: 'outbps' } as const;
  for (const [k, f] of Object.entries(c)) t[STATS[k as keyof typeof c]] = ['counters', f];
  for (const [k, f] of Object.entries(r)) t[STATS[k as keyof typeof r]] = ['rates', f];
  return t;
})();

/** IPVS_*_ATTR_STATS64 into counters and rates (u64 values as numbers: exact below 2^53). */
function stats64At(view: DataView, off: number, end: number, c: Counters, r: Rates): void {
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    if (len < 4 || off + len > end) throw badAttr(off, len);
    const field = len >= 12 ? STATS64_FIELD[view.getUint16(off + 2, true) & NLA_TYPE_MASK] : undefined;
    if (field) {
      const v = view.getUint32(off + 4, true) + view.getUint32(off + 8, true) * TWO_32;
      if (field[0] === 'counters') c[field[1]] = v;
      else r[field[1]] = v;
    }
    off += (len + 3) & ~3;
  }
}

/** The one nested attribute of type `type` in [off, end): its payload's [start, end), or null. */
function nestedAt(view: DataView, off: number, end: number, type: number): [number, number] | null {
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    if (len < 4 || off + len > end) throw badAttr(off, len);
    if ((view.getUint16(off + 2, true) & NLA_TYPE_MASK) === type) return [off + 4, off + len];
    off += (len + 3) & ~3;
  }
  return null;
}

/** What a stats64 attribute carries: the counters and the estimator's rates. */
export interface Stats64 {
  counters: Counters;
  rates: Rates;
}

/** The attributes that name a service (what a destination dump must send back to name it). */
const SVC_KEY: ReadonlySet<number> = new Set([SVC.AF, SVC.PROTOCOL, SVC.ADDR, SVC.PORT, SVC.FWMARK]);

/** The payload of the message's one attribute of type `type`, which it must have. */
function payloadAt(view: DataView, off: number, end: number, type: number, missing: string): [number, number] {
  const at = nestedAt(view, off, end, type);
  if (!at) throw new Error(missing);
  return at;
}

/** One service of a GET_SERVICE dump, as a stats sample needs it. */
export interface ServiceStatsEntry extends Stats64 {
  key: ServiceKey;
  family: Family;
  /** IPVS_CMD_ATTR_SERVICE's payload naming it (the key attributes, copied as the kernel sent them) */
  keyAttrs: Buffer;
}

/**
 * A GET_SERVICE dump message (the genl payload at [off, end)) as a stats sample needs it: the key,
 * the attributes naming it for the destination dump, and its stats64. Scheduler, flags and
 * persistence are not decoded.
 */
export function decodeServiceStatsAt(buf: Buffer, view: DataView, off: number, end: number): ServiceStatsEntry {
  const svc = payloadAt(view, off, end, CMD_ATTR.SERVICE, 'GET_SERVICE reply without a service');
  let af = -1;
  let proto = -1;
  let fwmark = 0;
  let port = 0;
  let addrOff = -1;
  const keyTlvs: number[] = []; // [offset, aligned length] of AF, PROTOCOL, ADDR, PORT, FWMARK
  const counters = { ...ZERO_COUNTERS };
  const rates = { ...ZERO_RATES };
  for (let o = svc[0]; o + 4 <= svc[1];) {
    const len = view.getUint16(o, true);
    if (len < 4 || o + len > svc[1]) throw badAttr(o, len);
    const p = o + 4;
    const type = view.getUint16(o + 2, true) & NLA_TYPE_MASK;
    if (SVC_KEY.has(type)) keyTlvs.push(o, (len + 3) & ~3);
    switch (type) {
      case SVC.AF:
        af = view.getUint16(p, true);
        break;
      case SVC.PROTOCOL:
        proto = view.getUint16(p, true);
        break;
      case SVC.ADDR:
        addrOff = p;
        break;
      case SVC.PORT:
        port = view.getUint16(p, false);
        break;
      case SVC.FWMARK:
        fwmark = view.getUint32(p, true);
        break;
      case SVC.STATS64:
        stats64At(view, p, o + len, counters, rates);
        break;
    }
    o += (len + 3) & ~3;
  }
  const family = AF_NAME.get(af);
  if (!family) throw new Error(`service: unknown address family ${af}`);
  let key: ServiceKey;
  if (fwmark !== 0) key = { protocol: 'fwmark', fwmark, family };
  else {
    const protocol = PROTO_NAME.get(proto);
    if (!protocol || addrOff < 0) throw new Error(`service without a protocol or address (protocol ${proto})`);
    key = { protocol, address: addrAt(view, addrOff, family), port };
  }
  let n = 0;
  for (let i = 1; i < keyTlvs.length; i += 2) n += keyTlvs[i]!;
  const keyAttrs = Buffer.allocUnsafe(n);
  for (let i = 0, at = 0; i < keyTlvs.length; i += 2) {
    buf.copy(keyAttrs, at, keyTlvs[i]!, keyTlvs[i]! + keyTlvs[i + 1]!);
    at += keyTlvs[i + 1]!;
  }
  return { key, family, keyAttrs, counters, rates };
}

/** The destination dump of a service named by the attributes a dump message carried. */
export const dumpDestsOfRequest = (family: number, keyAttrs: Buffer) => req(family, CMD.GET_DEST, DUMP, [bytes(CMD_ATTR.SERVICE, keyAttrs)]);

/** One destination of a GET_DEST dump as a stats sample needs it. */
export interface DestStatsEntry extends Stats64 {
  address: string;
  port: number;
  activeConns: number;
  inactConns: number;
  persistConns: number;
}

/** Every field of a destination, as the one table below reads them. */
interface DestFields {
  family: Family;
  /** where the address is (-1: not seen) */
  addrView: DataView | null;
  addrOff: number;
  port: number;
  fwd: number;
  weight: number;
  upper: number;
  lower: number;
  tunType: number;
  tunPort: number;
  tunFlags: number;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  /** filled only when the caller asks for stats64 */
  stats: Stats64 | null;
}
type DestNumber = Exclude<keyof DestFields, 'family' | 'addrView' | 'addrOff' | 'stats'>;

/**
 * IPVS_DEST_ATTR_* -> what it fills: the one table of destination fields, which every destination
 * decoder (in place from a dump, or from an attribute map) reads through destAttr.
 */
const DEST_FIELD: readonly (((f: DestFields, v: DataView, p: number, end: number) => void) | undefined)[] = (() => {
  const t: ((f: DestFields, v: DataView, p: number, end: number) => void)[] = [];
  const num = (type: number, field: DestNumber, read: (v: DataView, p: number) => number) => (t[type] = (f, v, p) => void (f[field] = read(v, p)));
  const u32 = (v: DataView, p: number) => v.getUint32(p, true);
  num(DEST.PORT, 'port', (v, p) => v.getUint16(p, false));
  num(DEST.FWD_METHOD, 'fwd', (v, p) => v.getUint32(p, true) & 7);
  num(DEST.WEIGHT, 'weight', u32);
  num(DEST.U_THRESH, 'upper', u32);
  num(DEST.L_THRESH, 'lower', u32);
  num(DEST.TUN_TYPE, 'tunType', (v, p) => v.getUint8(p));
  num(DEST.TUN_PORT, 'tunPort', (v, p) => v.getUint16(p, false));
  num(DEST.TUN_FLAGS, 'tunFlags', (v, p) => v.getUint16(p, true));
  num(DEST.ACTIVE_CONNS, 'activeConns', u32);
  num(DEST.INACT_CONNS, 'inactConns', u32);
  num(DEST.PERSIST_CONNS, 'persistConns', u32);
  t[DEST.ADDR] = (f, v, p) => {
    f.addrView = v;
    f.addrOff = p;
  };
  t[DEST.ADDR_FAMILY] = (f, v, p) => {
    const family = AF_NAME.get(v.getUint16(p, true));
    if (!family) throw new Error(`destination: unknown address family ${v.getUint16(p, true)}`);
    f.family = family;
  };
  t[DEST.STATS64] = (f, v, p, end) => {
    if (f.stats) stats64At(v, p, end, f.stats.counters, f.stats.rates);
  };
  return t;
})();

const destFields = (family: Family, stats: Stats64 | null): DestFields => ({
  family,
  addrView: null,
  addrOff: -1,
  port: 0,
  fwd: 0,
  weight: 0,
  upper: 0,
  lower: 0,
  tunType: 0,
  tunPort: 0,
  tunFlags: 0,
  activeConns: 0,
  inactConns: 0,
  persistConns: 0,
  stats,
});
const zeroStats = (): Stats64 => ({ counters: { ...ZERO_COUNTERS }, rates: { ...ZERO_RATES } });

/** The destination's address (it must have one). */
function destAddress(f: DestFields): string {
  if (!f.addrView) throw new Error('destination without an address');
  return addrAt(f.addrView, f.addrOff, f.family);
}

/** The canonical real server of the fields (tunnel fields only where ipvsadm shows them). */
function destServer(f: DestFields): RealServer {
  const forwarding = FWD_NAME.get(f.fwd === IP_VS_CONN_F_LOCALNODE ? FWD.route : f.fwd) ?? 'route';
  const server: RealServer = { address: destAddress(f), port: f.port, forwarding, weight: f.weight, upperThreshold: f.upper, lowerThreshold: f.lower } as RealServer;
  if (forwarding === 'tunnel') {
    const type = TUN_TYPE_NAME.get(f.tunType) ?? 'ipip';
    server.tunnelType = type;
    if (type === 'gue') server.tunnelPort = f.tunPort;
    if (type !== 'ipip') server.tunnelChecksum = TUN_CSUM_NAME.get(f.tunFlags) ?? 'nocsum';
  }
  return canonicalServer(server);
}

/** The one in-place scan of a GET_DEST dump message's destination. */
function destFieldsAt(view: DataView, off: number, end: number, serviceFamily: Family, stats: Stats64 | null): DestFields {
  const d = payloadAt(view, off, end, CMD_ATTR.DEST, 'GET_DEST reply without a destination');
  const f = destFields(serviceFamily, stats);
  for (let o = d[0]; o + 4 <= d[1];) {
    const len = view.getUint16(o, true);
    if (len < 4 || o + len > d[1]) throw badAttr(o, len);
    DEST_FIELD[view.getUint16(o + 2, true) & NLA_TYPE_MASK]?.(f, view, o + 4, o + len);
    o += (len + 3) & ~3;
  }
  return f;
}

/** A destination as the kernel reports it (an attribute map): the canonical real server plus its counts and stats. */
export function decodeDest(m: AttrMap, serviceFamily: Family): DecodedDest {
  const f = destFields(serviceFamily, m.has(DEST.STATS64) ? zeroStats() : null);
  DEST_FIELD.forEach((fill, type) => {
    const b = m.get(type);
    if (fill && b) fill(f, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length);
  });
  return { server: destServer(f), activeConns: f.activeConns, inactConns: f.inactConns, persistConns: f.persistConns, stats: f.stats };
}

/** A GET_DEST dump message as a stats sample needs it: address, port, connection counts, stats64. */
export function decodeDestStatsAt(view: DataView, off: number, end: number, serviceFamily: Family): DestStatsEntry {
  const f = destFieldsAt(view, off, end, serviceFamily, zeroStats());
  const { counters, rates } = f.stats!;
  return { address: destAddress(f), port: f.port, activeConns: f.activeConns, inactConns: f.inactConns, persistConns: f.persistConns, counters, rates };
}

/** A GET_DEST dump message as a config read needs it: the canonical real server, without counts or stats. */
export function decodeDestServerAt(view: DataView, off: number, end: number, serviceFamily: Family): RealServer {
  return destServer(destFieldsAt(view, off, end, serviceFamily, null));
}

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
