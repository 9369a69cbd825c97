// Netlink framing, pure: nlmsghdr + genlmsghdr + attributes (TLVs), and the replies the kernel
// sends back (data, NLMSG_ERROR with an errno or 0 for an ACK, NLMSG_DONE ending a dump).
// Host byte order is little-endian (x86-64 / arm64 directors); network-order fields are explicit.

export const NETLINK_GENERIC = 16;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
const NLA_TYPE_MASK = 0x3fff; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;

const align4 = (n: number) => (n + 3) & ~3;

// ---- attributes ------------------------------------------------------------------------------

/** One attribute to encode: a payload, or nested attributes. */
export type Attr = { type: number; value: Uint8Array } | { type: number; nested: Attr[] };

export const u8 = (type: number, v: number): Attr => ({ type, value: Uint8Array.of(v & 0xff) });
export function u16(type: number, v: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return { type, value: b };
}
export function be16(type: number, v: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return { type, value: b };
}
export function u32(type: number, v: number): Attr {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return { type, value: b };
}
/** A NUL-terminated string (NLA_NUL_STRING / NLA_STRING both accept it). */
export const str = (type: number, s: string): Attr => ({ type, value: Buffer.from(`${s}\0`, 'utf8') });
export const bytes = (type: number, b: Uint8Array): Attr => ({ type, value: b });
export const nest = (type: number, nested: Attr[]): Attr => ({ type, nested });

function attrSize(a: Attr): number {
  return 4 + ('nested' in a ? a.nested.reduce((n, x) => n + align4(attrSize(x)), 0) : a.value.length);
}

function writeAttrs(buf: Buffer, off: number, attrs: readonly Attr[]): number {
  for (const a of attrs) {
    const len = attrSize(a);
    buf.writeUInt16LE(len, off);
    buf.writeUInt16LE(a.type, off + 2);
    if ('nested' in a) writeAttrs(buf, off + 4, a.nested);
    else buf.set(a.value, off + 4);
    for (let i = off + len; i < off + align4(len); i++) buf[i] = 0; // padding (the buffer may be unzeroed)
    off += align4(len);
  }
  return off;
}

export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const buf = Buffer.alloc(attrs.reduce((n, a) => n + align4(attrSize(a)), 0));
  writeAttrs(buf, 0, attrs);
  return buf;
}

/**
 * Attributes by type (the last one wins, as nla_parse does; type bits NESTED/BYTEORDER stripped).
 * Offsets only: a payload is sliced when asked for, so a 10,000-destination dump allocates little.
 */
export class AttrMap {
  private readonly at: number[] = [];
  private readonly len: number[] = [];
  constructor(private readonly buf: Buffer) {}
  /** @internal */
  put(type: number, at: number, len: number): void {
    this.at[type] = at;
    this.len[type] = len;
  }
  has(type: number): boolean {
    return this.at[type] !== undefined;
  }
  get(type: number): Buffer | undefined {
    const a = this.at[type];
    return a === undefined ? undefined : this.buf.subarray(a, a + this.len[type]!);
  }
  /** Typed reads without slicing. */
  u8(type: number): number | undefined {
    const a = this.at[type];
    return a === undefined || this.len[type]! < 1 ? undefined : this.buf[a]!;
  }
  u16(type: number): number | undefined {
    const a = this.at[type];
    return a === undefined || this.len[type]! < 2 ? undefined : this.buf.readUInt16LE(a);
  }
  be16(type: number): number | undefined {
    const a = this.at[type];
    return a === undefined || this.len[type]! < 2 ? undefined : this.buf.readUInt16BE(a);
  }
  u32(type: number): number | undefined {
    const a = this.at[type];
    return a === undefined || this.len[type]! < 4 ? undefined : this.buf.readUInt32LE(a);
  }
  /** u64 counters as numbers: exact up to 2^53 (9 PB of bytes), which a counter does not reach. */
  u64(type: number): number | undefined {
    const a = this.at[type];
    return a === undefined || this.len[type]! < 8 ? undefined : this.buf.readUInt32LE(a) + this.buf.readUInt32LE(a + 4) * 4294967296;
  }
}

export function decodeAttrs(buf: Buffer, off = 0, end = buf.length): AttrMap {
  const out = new AttrMap(buf);
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) throw new Error(`malformed netlink attribute at offset ${off} (length ${len})`);
    out.put(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, off + 4, len - 4);
    off += align4(len);
  }
  return out;
}

export const getU8 = (m: AttrMap, t: number) => m.u8(t);
export const getU16 = (m: AttrMap, t: number) => m.u16(t);
export const getBe16 = (m: AttrMap, t: number) => m.be16(t);
export const getU32 = (m: AttrMap, t: number) => m.u32(t);
export const getU64 = (m: AttrMap, t: number) => m.u64(t);
export function getStr(m: AttrMap, t: number): string | undefined {
  const b = m.get(t);
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}

// ---- messages --------------------------------------------------------------------------------

export interface GenlRequest {
  family: number;
  cmd: number;
  version: number;
  flags: number;
  attrs: readonly Attr[];
}

/** The bytes one request takes on the wire (nlmsghdr + genlmsghdr + attributes). */
export function encodedSize(req: GenlRequest): number {
  let n = NLMSG_HDRLEN + GENL_HDRLEN;
  for (const a of req.attrs) n += align4(attrSize(a));
  return n;
}

/** Write one request at `off` of `buf` (which has encodedSize(req) bytes there); returns the end. */
export function encodeGenlInto(buf: Buffer, off: number, req: GenlRequest, seq: number, portId = 0): number {
  const len = encodedSize(req);
  buf.writeUInt32LE(len, off);
  buf.writeUInt16LE(req.family, off + 4);
  buf.writeUInt16LE(req.flags, off + 6);
  buf.writeUInt32LE(seq >>> 0, off + 8);
  buf.writeUInt32LE(portId >>> 0, off + 12);
  buf.writeUInt8(req.cmd, off + 16);
  buf.writeUInt8(req.version, off + 17);
  buf.writeUInt16LE(0, off + 18);
  writeAttrs(buf, off + NLMSG_HDRLEN + GENL_HDRLEN, req.attrs);
  return off + len;
}

/** One generic netlink message (nlmsghdr + genlmsghdr + attributes) with its sequence number. */
export function encodeGenl(req: GenlRequest, seq: number, portId = 0): Buffer {
  const buf = Buffer.alloc(encodedSize(req));
  encodeGenlInto(buf, 0, req, seq, portId);
  return buf;
}

/** What one received netlink message means for the request with its sequence number. */
export type Reply =
  | { kind: 'data'; seq: number; flags: number; cmd: number; attrs: AttrMap }
  | { kind: 'ack'; seq: number } // NLMSG_ERROR with error 0
  | { kind: 'error'; seq: number; errno: number } // NLMSG_ERROR with -errno
  | { kind: 'done'; seq: number; errno: number } // NLMSG_DONE (errno != 0: the dump failed)
  | { kind: 'overrun'; seq: number };

/** Every message of one datagram (a datagram holds one or more). */
export function decodeReplies(buf: Buffer): Reply[] {
  const out: Reply[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) throw new Error(`malformed netlink message at offset ${off} (length ${len})`);
    const type = buf.readUInt16LE(off + 4);
    const flags = buf.readUInt16LE(off + 6);
    const seq = buf.readUInt32LE(off + 8);
    const body = off + NLMSG_HDRLEN;
    if (type === NLMSG_ERROR) {
      const err = buf.readInt32LE(body);
      out.push(err === 0 ? { kind: 'ack', seq } : { kind: 'error', seq, errno: -err });
    } else if (type === NLMSG_DONE) {
      out.push({ kind: 'done', seq, errno: len >= NLMSG_HDRLEN + 4 ? Math.abs(buf.readInt32LE(body)) : 0 });
    } else if (type === NLMSG_OVERRUN) {
      out.push({ kind: 'overrun', seq });
    } else if (type >= 0x10) {
      out.push({ kind: 'data', seq, flags, cmd: buf.readUInt8(body), attrs: decodeAttrs(buf, body + GENL_HDRLEN, off + len) });
    }
    off += align4(len);
  }
  return out;
}

// ---- the generic netlink controller (family resolution) -------------------------------------

export const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const CTRL_ATTR_VERSION = 3;

export const getFamilyRequest = (name: string): GenlRequest => ({
  family: GENL_ID_CTRL,
  cmd: CTRL_CMD_GETFAMILY,
  version: 1,
  flags: NLM_F_REQUEST | NLM_F_ACK,
  attrs: [str(CTRL_ATTR_FAMILY_NAME, name)],
});

export function decodeFamily(attrs: AttrMap): { id: number; version: number } {
  const id = getU16(attrs, CTRL_ATTR_FAMILY_ID);
  if (id === undefined) throw new Error('the generic netlink controller answered without a family id');
  return { id, version: getU32(attrs, CTRL_ATTR_VERSION) ?? 0 };
}
