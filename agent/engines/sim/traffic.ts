// The client side of the simulation: a population of clients opening connections to the virtual
// services, each connection a real flow of packets through the simulated kernel (handshake, data
// in both directions, close), so states, counters, rates and expiry come out of the kernel's own
// rules rather than being painted on. Rates follow a daily curve with random bursts; everything
// is drawn from a seeded PRNG, so a seed replays the same traffic.
import { z } from 'zod';
import { addressFamily, formatHostPort, formatIPv6, intToIPv4, ipv4ToInt } from '@/lib/ipvs/addr';
import { addressWords } from '@/lib/ipvs/inet';
import { serviceLabel } from '@/lib/ipvs/model';
import { CF_NOOUTPUT, DIR_INPUT, DIR_OUTPUT, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, type Conn } from './conn-table';
import type { FirstPacket, IpvsKernel, Service } from './kernel';
import { Rng } from './rng';

/** How one service is used. Rates are at the daily peak; sizes are means (drawn per connection). */
export const ServiceTrafficSchema = z.object({
  /** new connections per second at the daily peak */
  cps: z.number().min(0).max(1_000_000).default(20),
  /** mean connection lifetime, seconds (exponential, capped at 10× the mean) */
  lifetime: z.number().min(0).max(86_400).default(8),
  /** mean bytes client -> server per connection */
  requestBytes: z.number().int().min(0).default(1_200),
  /** mean bytes server -> client per connection */
  responseBytes: z.number().int().min(0).default(24_000),
  /** payload bytes per packet (MSS-like) */
  packetBytes: z.number().int().min(64).max(65_535).default(1_448),
  /** distinct clients (heavier ones open more connections: a skewed popularity) */
  clients: z.number().int().min(1).max(1_000_000).default(2_000),
  /** daily curve: amplitude 0..1 (0 = flat), the hour (UTC) of the peak */
  daily: z.object({ amplitude: z.number().min(0).max(1).default(0.6), peakHour: z.number().min(0).max(24).default(20) }).default({ amplitude: 0.6, peakHour: 20 }),
  /** random bursts: expected bursts per hour, rate multiplier, length in seconds */
  bursts: z.object({ perHour: z.number().min(0).default(2), multiplier: z.number().min(1).default(3), duration: z.number().min(1).default(45) }).default({ perHour: 2, multiplier: 3, duration: 45 }),
  /** for fwmark services: the protocol, virtual address and ports the marked packets carry */
  fwmark: z
    .object({ protocol: z.enum(['tcp', 'udp', 'sctp']).default('tcp'), address: z.string().optional(), ports: z.array(z.number().int().min(1).max(65535)).min(1).default([80, 443]) })
    .default({ protocol: 'tcp', ports: [80, 443] }),
});
export type ServiceTraffic = z.output<typeof ServiceTrafficSchema>;

export const TrafficProfileSchema = z.object({
  /** applies to every service unless a rule below matches it */
  defaults: ServiceTrafficSchema.default(ServiceTrafficSchema.parse({})),
  /** overrides for every service of a protocol (DNS over UDP is not a web page), under the per-service rules */
  byProtocol: z.object({ tcp: ServiceTrafficSchema.partial().optional(), udp: ServiceTrafficSchema.partial().optional(), sctp: ServiceTrafficSchema.partial().optional() }).default({}),
  /** per-service overrides; `match` is a service id ("tcp|10.0.0.1|80", "fwmark|inet|3") or label ("TCP 10.0.0.1:80") */
  services: z.array(z.object({ match: z.string(), traffic: z.union([ServiceTrafficSchema.partial(), z.literal('off')]) })).default([]),
  /** spread rates over services: each service gets a fixed random factor in [1 − v, 1 + v] */
  variation: z.number().min(0).max(0.95).default(0.6),
  /** safety valves for a demo process: new connections per step and live flows */
  maxNewPerStep: z.number().int().min(1).default(20_000),
  maxFlows: z.number().int().min(1).default(200_000),
  /** cap on the sum of all services' peak rates (conn/s); rates are scaled down to fit. 0 = none */
  totalCps: z.number().min(0).default(0),
});
export type TrafficProfile = z.output<typeof TrafficProfileSchema>;
export type TrafficProfileInput = z.input<typeof TrafficProfileSchema>;

/** The demo: lively but bounded, whatever the number of services (≈ 600 new conn/s at the peak). */
export const DEMO_PROFILE: TrafficProfile = TrafficProfileSchema.parse({
  totalCps: 600,
  defaults: { cps: 40 },
  // one query and its answer per client port: entries then wait out the udp timeout, as on a DNS director
  byProtocol: { udp: { requestBytes: 60, responseBytes: 300, lifetime: 0.2, packetBytes: 512, clients: 5000 } },
});

/** Is the simulated backend answering? (address|port -> false when marked down) */
export type BackendHealth = (address: string, port: number) => boolean;

interface Client {
  address: string;
  fold: number;
  nextPort: number;
}

const BENCH_NET = ipv4ToInt('198.18.0.0');

/** A pool of client addresses shared by all services (benchmarking ranges: 198.18.0.0/15, 2001:db8:c0::/48). */
class ClientPool {
  private readonly v4: Client[] = [];
  private readonly v6: Client[] = [];

  get(family: 'inet' | 'inet6', i: number): Client {
    const pool = family === 'inet' ? this.v4 : this.v6;
    while (pool.length <= i) {
      const n = pool.length;
      // scatter over the range so masks (-M) group a realistic number of clients
      const h = Math.imul(n + 1, 0x9e3779b1) >>> 0;
      if (family === 'inet') {
        const addr = (BENCH_NET + 1 + (h % 131070)) >>> 0; // not the network or broadcast address
        pool.push({ address: intToIPv4(addr), fold: addr, nextPort: 32768 + (h % 28000) });
      } else {
        const g = [0x2001, 0x0db8, 0x00c0, (h >>> 16) & 0xff, 0, 0, (h >>> 8) & 0xffff, (h & 0xff) + 1];
        const address = formatIPv6(g);
        const fold = (((g[0]! << 16) | g[1]!) ^ ((g[2]! << 16) | g[3]!) ^ ((g[4]! << 16) | g[5]!) ^ ((g[6]! << 16) | g[7]!)) >>> 0;
        pool.push({ address, fold, nextPort: 32768 + (h % 28000) });
      }
    }
    return pool[i]!;
  }
}

/** Ephemeral ports cycle through 32768..60999 (Linux's ip_local_port_range). */
function nextPort(c: Client): number {
  const p = c.nextPort;
  c.nextPort = p >= 60999 ? 32768 : p + 1;
  return p;
}

/** SYN retransmissions before a client gives up (at 1, 3, 7, 15 s; it quits at 31 s) */
const SYN_RETRIES = 4;

const enum Phase {
  /** SYN sent, server not answering: client retransmits, then gives up */
  Connecting,
  Data,
}

/** One client connection riding on a kernel entry. */
class Flow {
  index = -1;
  phase: Phase = Phase.Data;
  retries = 0;
  nextRetry = 0;
  /** remaining bytes each way, spent evenly until `end` */
  inLeft: number;
  outLeft: number;
  lastStep: number;
  constructor(
    readonly conn: Conn,
    readonly gen: TrafficGenerator,
    readonly start: number,
    readonly end: number,
    inBytes: number,
    outBytes: number,
    readonly packetBytes: number,
  ) {
    this.inLeft = inBytes;
    this.outLeft = outBytes;
    this.lastStep = start;
  }

  /** the kernel dropped the entry (expired, or its destination's entries were flushed) */
  onExpire(): void {
    this.gen.drop(this);
  }
}

interface ServiceState {
  traffic: ServiceTraffic;
  factor: number;
  offset: number;
  burstUntil: number;
  burstMult: number;
  vip: string | null;
}

export class TrafficGenerator {
  private profile: TrafficProfile | null;
  private readonly rng: Rng;
  private readonly clients = new ClientPool();
  private readonly flows: Flow[] = [];
  private readonly states = new Map<string, ServiceState>();
  private scale = 1;
  /** whether clients reach a service on this director at all (a backup that holds no VIP sees no new clients) */
  admits: (svc: Service) => boolean = () => true;
  /** connections the kernel could not place, and flows that gave up on a dead backend */
  readonly stats = { opened: 0, refused: 0, timedOut: 0 };

  constructor(
    private readonly kernel: IpvsKernel,
    private readonly healthy: BackendHealth,
    private readonly epochMs: number,
    seed: number,
    profile: TrafficProfile | null,
  ) {
    this.rng = new Rng(seed, 2);
    this.profile = profile;
  }

  setProfile(profile: TrafficProfile | null): void {
    this.profile = profile;
    this.states.clear();
  }

  get liveFlows(): number {
    return this.flows.length;
  }

  /** One traffic step ending at `now` (kernel time, ms): move every flow on, then open new ones. */
  step(now: number, dtMs: number): void {
    for (let i = this.flows.length - 1; i >= 0; i--) {
      const f = this.flows[i];
      if (f) this.advanceFlow(f, now);
    }
    if (this.profile === null || dtMs <= 0) return;
    this.openNew(this.profile, now, dtMs);
  }

  // ---- flows -------------------------------------------------------------------------------

  private add(f: Flow): void {
    f.index = this.flows.length;
    this.flows.push(f);
    f.conn.flow = f;
  }

  /** remove from the live list (swap-remove) */
  drop(f: Flow): void {
    const i = f.index;
    if (i < 0) return;
    const last = this.flows.pop()!;
    if (last !== f) {
      this.flows[i] = last;
      last.index = i;
    }
    f.index = -1;
    if (f.conn.flow === f) f.conn.flow = null;
  }

  private advanceFlow(f: Flow, now: number): void {
    const c = f.conn;
    const k = this.kernel;
    const nodest = k.sysctls.expire_nodest_conn === 1;
    if (f.phase === Phase.Connecting) {
      if (this.backendUp(c)) {
        this.handshake(f, now);
        return;
      }
      if (now >= f.nextRetry) {
        // Linux retransmits a SYN after 1, 3, 7, 15 s (RTO doubling from 1 s, as recorded in the
        // guest: 3 SYNs within wget's 5 s); the client gives up connecting after ~30 s and the
        // entry then runs out in SYN_RECV, 60 s after the last SYN
        if (f.retries >= SYN_RETRIES) {
          this.stats.timedOut++;
          this.drop(f);
          return;
        }
        f.retries++;
        f.nextRetry = f.start + 1000 * (2 ** (f.retries + 1) - 1);
        if (!this.send(c, DIR_INPUT, c.proto === IPPROTO_SCTP ? 'init' : 'syn', 1, 60, now, nodest)) this.drop(f);
      }
      return;
    }
    if (!this.backendUp(c)) {
      // the server died under the connection: a TCP/SCTP client times out and resets it
      if (c.proto !== IPPROTO_UDP) this.send(c, DIR_INPUT, c.proto === IPPROTO_SCTP ? 'abort' : 'rst', 1, 40, now, nodest);
      this.stats.timedOut++;
      this.drop(f);
      return;
    }
    const span = f.end - f.lastStep;
    const share = span <= 0 ? 1 : Math.min(1, (now - f.lastStep) / span);
    const inB = Math.round(f.inLeft * share);
    const outB = Math.round(f.outLeft * share);
    f.inLeft -= inB;
    f.outLeft -= outB;
    f.lastStep = now;
    this.data(f, inB, outB, now, nodest);
    if (now >= f.end && f.index >= 0) this.close(f, now, nodest);
  }

  private backendUp(c: Conn): boolean {
    return this.healthy(c.dest.address, c.dport);
  }

  /** Does the director see server -> client packets? Only for NAT entries (created without NOOUTPUT). */
  private seesReplies(c: Conn): boolean {
    return (c.flags & CF_NOOUTPUT) === 0;
  }

  private send(c: Conn, dir: typeof DIR_INPUT | typeof DIR_OUTPUT, seg: Parameters<IpvsKernel['conns']['packet']>[2], pkts: number, bytes: number, now: number, nodest: boolean): boolean {
    return this.kernel.conns.packet(c, dir, seg, pkts, bytes, now, nodest);
  }

  /** handshake after the opening packet the kernel already saw */
  private handshake(f: Flow, now: number): void {
    const c = f.conn;
    const nodest = this.kernel.sysctls.expire_nodest_conn === 1;
    const replies = this.seesReplies(c);
    f.phase = Phase.Data;
    if (c.proto === IPPROTO_TCP) {
      if (replies) this.send(c, DIR_OUTPUT, 'syn', 1, 60, now, nodest); // SYN+ACK
      this.send(c, DIR_INPUT, 'ack', 1, 52, now, nodest);
    } else if (c.proto === IPPROTO_SCTP) {
      if (replies) this.send(c, DIR_OUTPUT, 'init_ack', 1, 300, now, nodest);
      this.send(c, DIR_INPUT, 'cookie_echo', 1, 260, now, nodest);
      if (replies) this.send(c, DIR_OUTPUT, 'cookie_ack', 1, 48, now, nodest);
      else this.send(c, DIR_INPUT, 'data', 1, 100, now, nodest); // DR: the first DATA follows the COOKIE-ECHO
    }
  }

  private data(f: Flow, inB: number, outB: number, now: number, nodest: boolean): void {
    const c = f.conn;
    const mss = f.packetBytes;
    const replies = this.seesReplies(c);
    const hdr = c.proto === IPPROTO_UDP ? 28 : 52;
    const inData = Math.ceil(inB / mss);
    const outData = Math.ceil(outB / mss);
    // TCP acknowledges every second segment
    const inAcks = c.proto === IPPROTO_TCP ? Math.ceil(outData / 2) : 0;
    const outAcks = c.proto === IPPROTO_TCP ? Math.ceil(inData / 2) : 0;
    const inPkts = inData + inAcks;
    if (inPkts > 0 && !this.kernel.conns.packet(c, DIR_INPUT, c.proto === IPPROTO_TCP ? 'ack' : c.proto === IPPROTO_SCTP ? 'data' : null, inPkts, inB + inPkts * hdr, now, nodest)) {
      this.drop(f); // its destination was deleted: the kernel drops everything
      return;
    }
    const outPkts = outData + outAcks;
    if (replies && outPkts > 0) this.kernel.conns.packet(c, DIR_OUTPUT, c.proto === IPPROTO_TCP ? 'ack' : c.proto === IPPROTO_SCTP ? 'data' : null, outPkts, outB + outPkts * hdr, now, nodest);
  }

  /** orderly close: the client closes first */
  private close(f: Flow, now: number, nodest: boolean): void {
    const c = f.conn;
    const replies = this.seesReplies(c);
    // a packet the director drops never reaches the server, which then has nothing to answer
    if (c.proto === IPPROTO_TCP) {
      if (this.send(c, DIR_INPUT, 'fin', 1, 52, now, nodest)) {
        // ES -> CLOSE_WAIT (NAT) / FIN_WAIT (DR, TUN), then the server's FIN -> TIME_WAIT
        if (replies) this.send(c, DIR_OUTPUT, 'fin', 1, 52, now, nodest);
        this.send(c, DIR_INPUT, 'ack', 1, 52, now, nodest);
      }
    } else if (c.proto === IPPROTO_SCTP) {
      if (this.send(c, DIR_INPUT, 'shutdown', 1, 48, now, nodest)) {
        if (replies) this.send(c, DIR_OUTPUT, 'shutdown_ack', 1, 48, now, nodest);
        this.send(c, DIR_INPUT, 'shutdown_complete', 1, 48, now, nodest);
      }
    }
    // UDP: nothing to say; the entry expires after the udp timeout
    this.drop(f);
  }

  // ---- single requests (tests, the conformance suite, a "hit" from the UI) ---------------------

  private readonly named = new Map<string, Client>();

  /** One connection from `client` to `target` now; see SimEngine.request. */
  request(
    target: { protocol: 'tcp' | 'udp' | 'sctp'; address: string; port: number; fwmark?: number },
    client: string,
    opts: { clientPort?: number; requestBytes?: number; responseBytes?: number; hold?: boolean },
  ): { dest: string | null; close(): void } {
    let cl = this.named.get(client);
    if (!cl) {
      const w = addressWords(client);
      cl = { address: client, fold: addressFamily(client) === 'inet' ? w[0] : (w[0] ^ w[1] ^ w[2] ^ w[3]) >>> 0, nextPort: 32768 + (hashString(client) % 28000) };
      this.named.set(client, cl);
    }
    const now = this.kernel.now;
    const proto = target.protocol === 'udp' ? IPPROTO_UDP : target.protocol === 'sctp' ? IPPROTO_SCTP : IPPROTO_TCP;
    const c = this.kernel.connect({
      proto,
      saddr: cl.address,
      sfold: cl.fold,
      sport: opts.clientPort ?? nextPort(cl),
      daddr: target.address,
      dfold: foldOf(target.address),
      dport: target.port,
      fwmark: target.fwmark,
      seg: proto === IPPROTO_TCP ? 'syn' : proto === IPPROTO_SCTP ? 'init' : null,
      bytes: 60,
    });
    if (c === null) return { dest: null, close: () => {} };
    const f = new Flow(c, this, now, opts.hold ? Infinity : now, opts.requestBytes ?? 400, opts.responseBytes ?? 500, 1448);
    this.add(f);
    const dest = formatHostPort(c.dest.address, c.dport);
    if (proto !== IPPROTO_UDP) {
      f.phase = Phase.Connecting;
      f.nextRetry = now + 1000;
      if (!this.backendUp(c)) return { dest, close: () => this.drop(f) };
      this.handshake(f, now);
    }
    const nodest = this.kernel.sysctls.expire_nodest_conn === 1;
    this.data(f, f.inLeft, f.outLeft, now, nodest);
    f.inLeft = f.outLeft = 0;
    if (!opts.hold) {
      if (f.index >= 0) this.close(f, now, nodest);
      return { dest, close: () => {} };
    }
    return {
      dest,
      close: () => {
        if (f.index >= 0) this.close(f, this.kernel.now, this.kernel.sysctls.expire_nodest_conn === 1);
      },
    };
  }

  // ---- new connections -----------------------------------------------------------------------

  private openNew(profile: TrafficProfile, now: number, dtMs: number): void {
    const k = this.kernel;
    const daily = (t: ServiceTraffic) => {
      const hour = ((((this.epochMs + now) / 3_600_000) % 24) + 24) % 24;
      const a = t.daily.amplitude;
      return 1 - a + a * (0.5 + 0.5 * Math.cos((2 * Math.PI * (hour - t.daily.peakHour)) / 24));
    };
    // keep the sum of peak rates within totalCps
    if (profile.totalCps > 0) {
      let sum = 0;
      for (const svc of k.services.values()) {
        const st = this.state(profile, svc);
        if (st) sum += st.traffic.cps * st.factor;
      }
      this.scale = sum > profile.totalCps ? profile.totalCps / sum : 1;
    } else this.scale = 1;

    let budget = profile.maxNewPerStep;
    for (const svc of k.services.values()) {
      const st = this.state(profile, svc);
      if (!st || !this.admits(svc)) continue;
      const t = st.traffic;
      if (now >= st.burstUntil) {
        st.burstMult = 1;
        if (this.rng.float() < (t.bursts.perHour * dtMs) / 3_600_000) {
          st.burstUntil = now + t.bursts.duration * 1000 * (0.5 + this.rng.float());
          st.burstMult = 1 + (t.bursts.multiplier - 1) * (0.5 + 0.5 * this.rng.float());
        }
      }
      const lambda = t.cps * st.factor * this.scale * daily(t) * st.burstMult * (dtMs / 1000);
      let n = this.rng.poisson(lambda);
      if (n > budget) n = budget;
      budget -= n;
      for (let i = 0; i < n && this.flows.length < profile.maxFlows; i++) this.open(svc, st, now);
      if (budget <= 0) break;
    }
  }

  private state(profile: TrafficProfile, svc: Service): ServiceState | null {
    let st = this.states.get(svc.id);
    if (st === undefined) {
      const rule = profile.services.find((r) => r.match === svc.id || r.match === serviceLabel(svc.key));
      if (rule?.traffic === 'off') {
        this.states.set(svc.id, (st = null as unknown as ServiceState));
        return null;
      }
      const proto = svc.fwmark !== 0 ? profile.defaults.fwmark.protocol : svc.proto === IPPROTO_UDP ? 'udp' : svc.proto === IPPROTO_SCTP ? 'sctp' : 'tcp';
      const byProto = profile.byProtocol[proto];
      const traffic = rule || byProto ? ServiceTrafficSchema.parse({ ...profile.defaults, ...byProto, ...(rule?.traffic as object | undefined) }) : profile.defaults;
      const h = hashString(svc.id);
      st = {
        traffic,
        factor: 1 - profile.variation + 2 * profile.variation * ((h % 1000) / 999),
        offset: h,
        burstUntil: 0,
        burstMult: 1,
        vip: svc.fwmark ? (traffic.fwmark.address ?? defaultFwmarkVip(svc)) : null,
      };
      this.states.set(svc.id, st);
    }
    return st;
  }

  /** One new client connection to a service through the kernel. */
  private open(svc: Service, st: ServiceState, now: number): void {
    const t = st.traffic;
    // skewed popularity: a few heavy clients, a long tail
    const u = this.rng.float();
    const client = this.clients.get(svc.af, (Math.floor(u * u * t.clients) + (st.offset % 977)) % Math.max(t.clients, 1));
    const lifetime = Math.min(this.rng.exp(t.lifetime * 1000), t.lifetime * 10_000);
    const jitter = () => Math.exp(0.5 * this.rng.normal() - 0.125);
    const pkt = this.firstPacket(svc, st, client);
    const c = this.kernel.connect(pkt);
    if (c === null) {
      this.stats.refused++;
      return;
    }
    this.stats.opened++;
    const f = new Flow(c, this, now, now + lifetime, Math.round(t.requestBytes * jitter()), Math.round(t.responseBytes * jitter()), t.packetBytes);
    this.add(f);
    if (c.proto === IPPROTO_UDP) {
      f.phase = Phase.Data;
      return;
    }
    f.phase = Phase.Connecting;
    f.nextRetry = now + 1000;
    if (this.backendUp(c)) this.handshake(f, now);
  }

  private firstPacket(svc: Service, st: ServiceState, client: Client): FirstPacket {
    const t = st.traffic;
    let proto: number;
    let daddr: string;
    let dport: number;
    if (svc.fwmark !== 0) {
      proto = t.fwmark.protocol === 'udp' ? IPPROTO_UDP : t.fwmark.protocol === 'sctp' ? IPPROTO_SCTP : IPPROTO_TCP;
      daddr = st.vip!;
      dport = t.fwmark.ports[this.rng.int(t.fwmark.ports.length)]!;
    } else {
      proto = svc.proto;
      daddr = (svc.key as { address: string }).address;
      // a port-zero (all ports) service sees whatever ports clients use
      dport = svc.port !== 0 ? svc.port : t.fwmark.ports[this.rng.int(t.fwmark.ports.length)]!;
    }
    const seg = proto === IPPROTO_TCP ? 'syn' : proto === IPPROTO_SCTP ? 'init' : null;
    return {
      proto,
      saddr: client.address,
      sfold: client.fold,
      sport: nextPort(client),
      daddr,
      dfold: foldOf(daddr),
      dport,
      fwmark: svc.fwmark || undefined,
      seg,
      bytes: proto === IPPROTO_UDP ? 28 + Math.min(512, st.traffic.requestBytes) : 60,
    };
  }
}

const foldCache = new Map<string, number>();
/** A virtual address folded as the kernel hashes it (dh): IPv4 as a u32, IPv6 the XOR of its words. */
export function foldOf(address: string): number {
  let f = foldCache.get(address);
  if (f === undefined) {
    const w = addressWords(address);
    f = addressFamily(address) === 'inet' ? w[0] : (w[0] ^ w[1] ^ w[2] ^ w[3]) >>> 0;
    if (foldCache.size > 10_000) foldCache.clear();
    foldCache.set(address, f);
  }
  return f;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A virtual address for a fwmark service's marked traffic: 198.51.100.x / 2001:db8:f::x (documentation ranges). */
function defaultFwmarkVip(svc: Service): string {
  return svc.af === 'inet' ? `198.51.100.${(svc.fwmark % 254) + 1}` : formatIPv6([0x2001, 0xdb8, 0xf, 0, 0, 0, (svc.fwmark >>> 16) & 0xffff, svc.fwmark & 0xffff]);
}
