// The IPVS netlink codecs without a kernel: encode -> frame -> decode round trips over generated
// model objects, and decodes of messages built by hand byte by byte as ip_vs_ctl.c sends them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RealServerSchema, SCHEDULERS, serviceFamily, serviceKeyOf, SyncDaemonSchema, VirtualServiceSchema, type VirtualService } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { kernelRefusalText } from '@/lib/ipvs/kernel-errors';
import { canonicalServer } from '@/lib/ipvs/kernel-table';
import { decodeAttrs, decodeReplies, encodeAttrs, encodeGenl, nest, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, type Attr } from './nlmsg';
import {
  ATTR,
  CMD,
  daemonAttrs,
  decodeDaemon,
  decodeDest,
  decodeDestServerAt,
  decodeDestStatsAt,
  decodeInfo,
  decodeService,
  decodeServiceStatsAt,
  decodeStats64,
  decodeTimeouts,
  destAttrs,
  destOf,
  opRequest,
  serviceAttrs,
  serviceKeyAttrs,
  serviceOf,
  timeoutsAttrs,
} from './ipvs';

const FAMILY = 0x24;

/** What the kernel would send back: one data message carrying `attrs`, decoded as we receive it. */
function roundTrip(attrs: Attr[]) {
  const msg = encodeGenl({ family: FAMILY, cmd: CMD.GET_SERVICE, version: 1, flags: NLM_F_REQUEST, attrs }, 7);
  const [r] = decodeReplies(msg);
  if (r?.kind !== 'data') throw new Error('expected a data message');
  expect(r.seq).toBe(7);
  return r.attrs;
}

const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((b) => b.join('.'));
const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => ['2001', 'db8', ...g.slice(2).map((x) => x.toString(16))].join(':'));

const serviceArb = fc
  .record({
    v6: fc.boolean(),
    kind: fc.constantFrom('tcp', 'udp', 'sctp', 'fwmark'),
    a4: v4,
    a6: v6,
    port: fc.integer({ min: 1, max: 65535 }),
    fwmark: fc.integer({ min: 1, max: 0xffffffff }),
    scheduler: fc.constantFrom(...SCHEDULERS),
    bits: fc.subarray([1, 2, 3] as const),
    persistence: fc.option(fc.record({ timeout: fc.integer({ min: 1, max: 2678400 }), mask: fc.option(fc.integer({ min: 1, max: 127 }), { nil: undefined }), sip: fc.boolean() }), { nil: undefined }),
    onePacket: fc.boolean(),
  })
  .map((x) => {
    const key = x.kind === 'fwmark' ? { protocol: 'fwmark', fwmark: x.fwmark, family: x.v6 ? 'inet6' : 'inet' } : { protocol: x.kind, address: x.v6 ? x.a6 : x.a4, port: x.port };
    const maskFor = (n: number) => (x.v6 ? String(n) : `255.255.${n}.0`);
    return VirtualServiceSchema.safeParse({
      ...key,
      scheduler: x.scheduler,
      schedFlags: x.bits.map((b) => `flag-${b}`),
      ...(x.persistence
        ? { persistence: { timeout: x.persistence.timeout, ...(x.persistence.mask ? { netmask: maskFor(x.persistence.mask) } : {}), ...(x.persistence.sip ? { pe: 'sip' } : {}) } }
        : {}),
      onePacket: x.onePacket && (x.kind === 'udp' || x.kind === 'fwmark'),
    });
  })
  .filter((r) => r.success)
  .map((r) => r.data as VirtualService);

const serverArb = fc
  .record({
    v6: fc.boolean(),
    a4: v4,
    a6: v6,
    port: fc.integer({ min: 0, max: 65535 }),
    forwarding: fc.constantFrom('route', 'masq', 'tunnel'),
    weight: fc.integer({ min: 0, max: 2147483647 }),
    upper: fc.integer({ min: 0, max: 2147483647 }),
    lower: fc.integer({ min: 0, max: 2147483647 }),
    tunnelType: fc.constantFrom('ipip', 'gue', 'gre'),
    tunnelPort: fc.integer({ min: 1, max: 65535 }),
    csum: fc.constantFrom('nocsum', 'csum', 'remcsum'),
  })
  .map((x) => {
    const tunnel = x.forwarding === 'tunnel';
    return RealServerSchema.safeParse({
      address: x.v6 ? x.a6 : x.a4,
      port: x.port,
      forwarding: x.forwarding,
      weight: x.weight,
      upperThreshold: x.upper,
      lowerThreshold: Math.min(x.lower, x.upper),
      ...(tunnel ? { tunnelType: x.tunnelType } : {}),
      ...(tunnel && x.tunnelType === 'gue' ? { tunnelPort: x.tunnelPort } : {}),
      ...(tunnel && x.tunnelType !== 'ipip' && !(x.tunnelType === 'gre' && x.csum === 'remcsum') ? { tunnelChecksum: x.csum } : {}),
    });
  })
  .filter((r) => r.success)
  .map((r) => ({ ...r.data, port: r.data.port ?? 0 }));

describe('IPVS netlink codecs: round trips', () => {
  it('a service survives encode -> decode for every field of the model (IPv4/IPv6, fwmark, flags, persistence, pe, one-packet)', () => {
    fc.assert(
      fc.property(serviceArb, (svc) => {
        const { realServers: _r, healthCheck: _h, ...fields } = svc;
        expect(decodeService(roundTrip(serviceAttrs(svc)))).toEqual(fields);
      }),
      { numRuns: 300 },
    );
  });

  it('a destination survives encode -> decode (forwarding, weight, thresholds, tunnel type/port/checksum)', () => {
    fc.assert(
      fc.property(serverArb, fc.boolean(), (server, v6svc) => {
        const got = decodeDest(roundTrip(destAttrs(server)), v6svc ? 'inet6' : 'inet');
        expect(got.server).toEqual(canonicalServer(server));
      }),
      { numRuns: 300 },
    );
  });

  it('a sync daemon survives encode -> decode, kernel defaults left out', () => {
    const daemons = [
      { state: 'master', interface: 'lo', syncId: 3 },
      { state: 'backup', interface: 'sync0', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 },
      { state: 'backup', interface: 'eth1', syncId: 255, group: 'ff02::1:5' },
    ].map((d) => SyncDaemonSchema.parse(d));
    for (const d of daemons) expect(decodeDaemon(roundTrip([nest(ATTR.CMD_ATTR.DAEMON, daemonAttrs(d))]))).toEqual(d);
  });

  it('timeouts survive encode -> decode', () => {
    fc.assert(
      fc.property(fc.nat(2678400), fc.nat(2678400), fc.nat(2678400), (tcp, tcpfin, udp) => {
        expect(decodeTimeouts(roundTrip(timeoutsAttrs({ tcp, tcpfin, udp })))).toEqual({ tcp, tcpfin, udp });
      }),
    );
  });

  it('an op becomes exactly one request with an ACK, the service nested, the destination nested', () => {
    const op: Op = {
      op: 'edit-server',
      service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
      server: { address: '10.0.1.2', port: 80, forwarding: 'masq', weight: 5, upperThreshold: 0, lowerThreshold: 0 },
    };
    const r = opRequest(FAMILY, op);
    void r;
    expect(r).toMatchObject({ family: FAMILY, cmd: CMD.SET_DEST, flags: NLM_F_REQUEST | NLM_F_ACK });
    const m = decodeAttrs(encodeAttrs(r.attrs));
    expect(decodeService(serviceOf(m))).toMatchObject({ protocol: 'tcp', address: '10.0.0.1', port: 80 });
    expect(decodeDest(destOf(m), 'inet').server).toEqual({ address: '10.0.1.2', port: 80, forwarding: 'masq', weight: 5, upperThreshold: 0, lowerThreshold: 0 });
    expect(opRequest(FAMILY, { op: 'stop-daemon', state: 'backup' }).cmd).toBe(CMD.DEL_DAEMON);
    expect(opRequest(FAMILY, { op: 'set-timeouts', timeouts: { tcp: 1, tcpfin: 2, udp: 3 } }).cmd).toBe(CMD.SET_CONFIG);
  });
});

// ---- hand-built kernel messages -----------------------------------------------------------------------

/** nlattr by hand: len u16, type u16, payload, padding to 4. */
function attr(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const pad = (4 - (len % 4)) % 4;
  return [len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload, ...Array(pad).fill(0)];
}
const le16 = (v: number) => [v & 0xff, v >> 8];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const le64 = (v: number) => [...le32(v % 2 ** 32), ...le32(Math.floor(v / 2 ** 32))];
/** nlmsghdr + genlmsghdr by hand. */
function message(type: number, flags: number, seq: number, body: number[]): number[] {
  const len = 16 + body.length;
  return [...le32(len), ...le16(type), ...le16(flags), ...le32(seq), ...le32(0), ...body];
}

describe('IPVS netlink codecs: messages as the kernel sends them', () => {
  it('decodes a GET_SERVICE dump entry: TCP 10.0.0.1:80 wrr, persistent 300 s /24, sip, flag-2 (ip_vs_genl_fill_service)', () => {
    const svc = [
      ...attr(1, le16(2)), // AF_INET
      ...attr(2, le16(6)), // IPPROTO_TCP
      ...attr(3, [10, 0, 0, 1, ...Array(12).fill(0)]),
      ...attr(4, [0, 80]), // be16
      ...attr(6, [...Buffer.from('wrr'), 0]),
      ...attr(11, [...Buffer.from('sip'), 0]),
      ...attr(7, [...le32(0x1 | 0x2 | 0x10), ...le32(0xffffffff)]), // PERSISTENT | HASHED | SCHED2
      ...attr(8, le32(300)),
      ...attr(9, [255, 255, 255, 0]),
      ...attr(12 | 0x8000, [...attr(1, le64(7)), ...attr(4, le64(5_000_000_000)), ...attr(6, le64(3))]),
    ];
    const dg = Buffer.from(message(FAMILY, 0x2, 42, [CMD.NEW_SERVICE, 1, 0, 0, ...attr(1 | 0x8000, svc)]));
    const [r] = decodeReplies(dg);
    expect(r).toMatchObject({ kind: 'data', seq: 42, cmd: CMD.NEW_SERVICE });
    if (r?.kind !== 'data') return;
    const m = serviceOf(r.attrs);
    expect(decodeService(m)).toEqual({
      protocol: 'tcp',
      address: '10.0.0.1',
      port: 80,
      scheduler: 'wrr',
      schedFlags: ['flag-2'],
      persistence: { timeout: 300, netmask: '255.255.255.0', pe: 'sip' },
      onePacket: false,
    });
    expect(decodeStats64(m.get(12))).toEqual({ counters: { conns: 7, inPkts: 0, outPkts: 0, inBytes: 5_000_000_000, outBytes: 0 }, rates: { cps: 3, inpps: 0, outpps: 0, inbps: 0, outbps: 0 } });
  });

  it('decodes an IPv6 fwmark service with a /64 persistence prefix and sh flags named for sh', () => {
    const svc = [...attr(1, le16(10)), ...attr(5, le32(3)), ...attr(6, [...Buffer.from('sh'), 0]), ...attr(7, [...le32(0x1 | 0x8 | 0x10), ...le32(~0)]), ...attr(8, le32(60)), ...attr(9, le32(64))];
    expect(decodeService(decodeAttrs(Buffer.from(svc)))).toEqual({
      protocol: 'fwmark',
      fwmark: 3,
      family: 'inet6',
      scheduler: 'sh',
      schedFlags: ['sh-fallback', 'sh-port'],
      persistence: { timeout: 60, netmask: '64' },
      onePacket: false,
    });
  });

  it('decodes a GET_DEST entry: an IPv6 gue tunnel destination with remcsum and its connection counts', () => {
    const dest = [
      ...attr(1, [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 0x40]),
      ...attr(2, [0, 80]),
      ...attr(3, le32(2)), // IP_VS_CONN_F_TUNNEL
      ...attr(4, le32(3)),
      ...attr(13, [1]), // GUE
      ...attr(14, [0x17, 0xc0]), // 6080 be16
      ...attr(15, le16(2)), // REMCSUM
      ...attr(5, le32(100)),
      ...attr(6, le32(10)),
      ...attr(7, le32(4)),
      ...attr(8, le32(5)),
      ...attr(9, le32(6)),
      ...attr(11, le16(10)),
    ];
    const d = decodeDest(decodeAttrs(Buffer.from(dest)), 'inet');
    expect(d.server).toEqual({
      address: '2001:db8::40',
      port: 80,
      forwarding: 'tunnel',
      weight: 3,
      upperThreshold: 100,
      lowerThreshold: 10,
      tunnelType: 'gue',
      tunnelPort: 6080,
      tunnelChecksum: 'remcsum',
    });
    expect([d.activeConns, d.inactConns, d.persistConns]).toEqual([4, 5, 6]);
  });

  it('decodes GET_INFO (version code 0x010201, size 4096)', () => {
    expect(decodeInfo(decodeAttrs(Buffer.from([...attr(1, le32(0x010201)), ...attr(2, le32(4096))])))).toEqual({ version: '1.2.1', connTableSize: 4096 });
  });

  it('decodes ACKs, errors and the end of a dump in one datagram, by sequence number', () => {
    const dg = Buffer.from([
      ...message(2, 0x100, 1, [...le32(0), ...Array(16).fill(0)]), // ACK
      ...message(2, 0, 2, [...le32(-17 >>> 0), ...Array(16).fill(0)]), // -EEXIST
      ...message(3, 0x2, 3, le32(0)), // NLMSG_DONE
    ]);
    expect(decodeReplies(dg)).toEqual([
      { kind: 'ack', seq: 1 },
      { kind: 'error', seq: 2, errno: 17 },
      { kind: 'done', seq: 3, errno: 0 },
    ]);
  });

  it('frames a dump request with NLM_F_DUMP and a do request with NLM_F_ACK', () => {
    const b = encodeGenl({ family: FAMILY, cmd: CMD.GET_SERVICE, version: 1, flags: NLM_F_REQUEST | NLM_F_DUMP, attrs: [] }, 9, 0);
    expect([...b]).toEqual(message(FAMILY, 0x301, 9, [CMD.GET_SERVICE, 1, 0, 0]));
  });

  it('refuses a truncated attribute instead of reading past it', () => {
    expect(() => decodeAttrs(Buffer.from([8, 0, 1, 0, 1, 2]))).toThrow(/malformed/);
  });
});

describe('kernel errnos in ipvsadm words (one table for every engine)', () => {
  it('words errnos per command, as ipvs_strerror() does', () => {
    expect(kernelRefusalText('add-service', 17)).toBe('Service already exists');
    expect(kernelRefusalText('add-server', 17)).toBe('Destination already exists');
    expect(kernelRefusalText('edit-service', 3)).toBe('No such service');
    expect(kernelRefusalText('add-server', 3)).toBe('Service not defined');
    expect(kernelRefusalText('delete-server', 2)).toBe('No such destination');
    expect(kernelRefusalText('add-service', 2)).toBe('Scheduler or persistence engine not found');
    expect(kernelRefusalText('stop-daemon', 3)).toBe('No daemon is running');
    expect(kernelRefusalText('start-daemon', 17)).toBe('Daemon has already run');
    expect(kernelRefusalText('add-server', 22)).toBe('Invalid operation.  Possibly wrong module version, address not unicast, ...');
    expect(kernelRefusalText('add-server', 34)).toBe('Numerical result out of range');
    expect(kernelRefusalText(null, 1)).toBe('Permission denied (you must be root)');
    expect(kernelRefusalText(null, 4242)).toBe('Unknown error 4242');
  });
});

/** A dump message as the kernel sends it, walked as the socket does: the sink's (buf, view, off, end). */
function inPlace<T>(attrs: Attr[], decode: (buf: Buffer, view: DataView, off: number, end: number) => T): T {
  const msg = encodeGenl({ family: FAMILY, cmd: CMD.GET_DEST, version: 1, flags: NLM_F_REQUEST, attrs }, 9);
  const buf = Buffer.concat([Buffer.alloc(12, 0xee), msg]); // not at offset 0 of its buffer, as in a datagram
  return decode(buf, new DataView(buf.buffer, buf.byteOffset, buf.length), 12 + 20, 12 + msg.length);
}

const stats64Attr = (type: number, base: number): Attr =>
  nest(
    type,
    Object.values(ATTR.STATS).map((k) => {
      const b = Buffer.alloc(8);
      b.writeUInt32LE((base + k) >>> 0, 0);
      b.writeUInt32LE(k === ATTR.STATS.INBYTES ? 2 : 0, 4); // one value past 2^32
      return { type: k, value: b };
    }),
  );

describe('IPVS netlink codecs: in place (the hot paths of stats samples and full reads)', () => {
  it('a destination decoded in place is the canonical real server decodeDest gives', () => {
    fc.assert(
      fc.property(serverArb, fc.boolean(), (server, v6svc) => {
        const family = v6svc ? 'inet6' : 'inet';
        const attrs = [nest(ATTR.CMD_ATTR.DEST, destAttrs(server))];
        expect(inPlace(attrs, (_b, v, o, e) => decodeDestServerAt(v, o, e, family))).toEqual(decodeDest(destOf(roundTrip(attrs)), family).server);
      }),
      { numRuns: 300 },
    );
  });

  it('a service decoded for a sample: its key, the attributes naming it (as sent), stats64 past 2^32', () => {
    fc.assert(
      fc.property(serviceArb, (svc) => {
        const attrs = [nest(ATTR.CMD_ATTR.SERVICE, [...serviceAttrs(svc), stats64Attr(ATTR.SVC.STATS64, 1000)])];
        const e = inPlace(attrs, decodeServiceStatsAt);
        expect(e.key).toEqual(serviceKeyOf(svc));
        expect(e.family).toBe(serviceFamily(svc));
        // the destination dump request names the service with exactly the key attributes
        expect(decodeAttrs(e.keyAttrs)).toEqual(decodeAttrs(encodeAttrs(serviceKeyAttrs(svc))));
        expect(e.counters).toEqual({ conns: 1001, inPkts: 1002, outPkts: 1003, inBytes: 2 * 2 ** 32 + 1004, outBytes: 1005 });
        expect(e.rates).toEqual({ cps: 1006, inpps: 1007, outpps: 1008, inbps: 1009, outbps: 1010 });
      }),
      { numRuns: 200 },
    );
  });

  it('a destination decoded for a sample: address, port, connection counts and stats64', () => {
    const server = canonicalServer({ address: '2001:db8::7', port: 443, forwarding: 'route', weight: 3, upperThreshold: 0, lowerThreshold: 0 });
    const counts = [
      { type: ATTR.DEST.ACTIVE_CONNS, value: Buffer.from(le32(4)) },
      { type: ATTR.DEST.INACT_CONNS, value: Buffer.from(le32(5)) },
      { type: ATTR.DEST.PERSIST_CONNS, value: Buffer.from(le32(6)) },
    ];
    const d = inPlace([nest(ATTR.CMD_ATTR.DEST, [...destAttrs(server), ...counts, stats64Attr(ATTR.DEST.STATS64, 0)])], (_b, v, o, e) => decodeDestStatsAt(v, o, e, 'inet'));
    expect(d).toEqual({
      address: '2001:db8::7',
      port: 443,
      activeConns: 4,
      inactConns: 5,
      persistConns: 6,
      counters: { conns: 1, inPkts: 2, outPkts: 3, inBytes: 2 * 2 ** 32 + 4, outBytes: 5 },
      rates: { cps: 6, inpps: 7, outpps: 8, inbps: 9, outbps: 10 },
    });
    expect(decodeStats64(encodeAttrs([stats64Attr(1, 0)]).subarray(4))).toEqual({ counters: d.counters, rates: d.rates });
  });

  it('refuses a truncated attribute in place instead of reading past it', () => {
    const buf = Buffer.from([...attr(2, [0x08, 0x00, 0x01, 0x00, 0x01, 0x02])]); // DEST with an attribute claiming 8 bytes in 6
    expect(() => decodeDestStatsAt(new DataView(buf.buffer, buf.byteOffset, buf.length), 0, buf.length, 'inet')).toThrow(/malformed netlink attribute/);
  });
});
