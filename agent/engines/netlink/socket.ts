// Generic netlink sockets with pipelining: requests are packed into as few sendmsg() calls as the
// window allows, each with its own sequence number; replies are matched back by sequence.
// The `netlink` package gives the raw socket (a prebuilt N-API addon); framing is ours (codec/).
//  - A socket is ref'd only while requests are in flight, so an idle agent can still exit.
//  - One sendmsg carries one concatenated buffer (no iovec arrays: >1,024 of them is EMSGSIZE),
//    at most MAX_SEND_BYTES, well under the socket's send buffer.
//  - The window bounds what the kernel queues for us (ACKs), so the receive buffer never
//    overflows (an overflow drops replies: ENOBUFS).
//  - The kernel runs ONE dump per socket at a time (netlink_dump_start answers EBUSY while one is
//    running), and a non-empty IPVS dump only ends (NLMSG_DONE) on our next recvmsg. So a socket
//    never has two dumps in flight: GenlPool keeps several sockets ("lanes"), doit requests
//    pipeline on the first, and every lane takes the next waiting dump as soon as its own ends, so
//    dumps run side by side. (An EBUSY anyway is sent again, counted as another request.)
//  - Hot paths allocate per datagram, not per request: an exchange is one promise; a dump's data
//    messages go to the caller's sink as (buffer, offsets) without being copied or wrapped, and
//    requests are encoded straight into the send buffer.
//  - Datagrams are received into fixed 16 KiB buffers, no MSG_PEEK: one recvmsg per datagram. The
//    kernel sizes dump pages to the reader's buffer, so a page never exceeds it; a truncated
//    datagram anyway fails the exchange, never silently.
// Only the raw socket: the package's index also loads its rtnetlink/nl80211/WireGuard layers
// (580 KB of JS), which costs seconds of start-up on a small or emulated director.
import netlink from 'netlink/dist/raw.js';
import { ERRNO } from '@/lib/ipvs/kernel-errors';
import { decodeAttrs, encodedSize, encodeGenlInto, NETLINK_GENERIC, NLM_F_DUMP, NLMSG_DONE, NLMSG_ERROR, NLMSG_OVERRUN, type AttrMap, type GenlRequest } from './codec/nlmsg';

const MAX_SEND_BYTES = 32 * 1024;
const RECV_BUFFER = 16 * 1024;
const DEFAULT_WINDOW = 64;
const DEFAULT_LANES = 8;
const REQUEST_TIMEOUT_MS = 30_000;
const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;

/** errno of a request that was never sent (an earlier one failed with stopOnError). */
export const NOT_SENT = -1;

/** What a request got back: errno 0 and its data messages, the kernel's errno, or NOT_SENT. */
export interface Outcome {
  errno: number;
  /** the data messages' attributes; empty when the exchange has a sink (they went there) */
  messages: AttrMap[];
}

/**
 * Receives every data message of an exchange instead of `Outcome.messages`: the request's index,
 * the datagram, a DataView over it, and where the message's attributes are (after the genl
 * header). Valid only during the call: decode, do not keep.
 */
export type Sink = (index: number, buf: Buffer, view: DataView, off: number, end: number) => void;

export interface ExchangeOptions {
  /** doit requests in flight at once (dumps: one per lane) */
  window?: number;
  /** the first kernel error ends the exchange: requests not yet sent get NOT_SENT */
  stopOnError?: boolean;
  sink?: Sink;
}

class Exchange {
  readonly outcomes: Outcome[];
  remaining: number;
  stopped = false;
  constructor(
    n: number,
    readonly opts: ExchangeOptions,
    readonly resolve: (o: Outcome[]) => void,
    readonly reject: (e: Error) => void,
  ) {
    this.outcomes = new Array<Outcome>(n);
    this.remaining = n;
  }
  settle(index: number, o: Outcome): void {
    this.outcomes[index] = o;
    if (--this.remaining === 0) this.resolve(this.outcomes);
  }
}

interface Pending {
  ex: Exchange;
  index: number;
  req: GenlRequest;
  dump: boolean;
  messages: AttrMap[];
}

/** A FIFO without Array.shift()'s O(n) moves. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  unshift(x: T): void {
    if (this.head > 0) this.items[--this.head] = x;
    else this.items.unshift(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

/** The package reports errors as Error objects, errno numbers or bare strings: make one Error. */
function asError(e: unknown, what: string): Error {
  if (e instanceof Error) return e;
  return new Error(`${what}: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
}

class Lane {
  readonly raw: InstanceType<typeof netlink.RawNetlinkSocket>;
  readonly inFlight = new Map<number, Pending>();
  dumping = false;
  /** whether the socket keeps the event loop alive (set only on a change: each is a native call) */
  refd = false;
  constructor(onDatagram: (lane: Lane, buf: Buffer) => void, onError: (e: Error) => void) {
    this.raw = new netlink.RawNetlinkSocket(NETLINK_GENERIC, { recvBufferSize: 4 << 20, sendBufferSize: 1 << 20, messagePeeking: false, msgBufferSize: RECV_BUFFER });
    this.raw.on('message', (buf: Buffer) => onDatagram(this, buf));
    this.raw.on('truncatedMessage', () => onError(new Error(`netlink: a reply longer than ${RECV_BUFFER} bytes was truncated`)));
    this.raw.on('error', (e: unknown) => onError(asError(e, 'netlink socket error')));
    this.raw.unref();
  }
}

/**
 * Several sockets used as one: doit requests (and so every op of an apply, in order) go to the
 * first socket; dumps go to whichever socket is free, each socket running one dump at a time.
 */
export class GenlPool {
  /** netlink requests sent (retries included): what a test counts to prove a read is O(K) */
  requests = 0;
  /** sendmsg() calls made */
  sendCalls = 0;
  /** datagrams received */
  datagrams = 0;
  /** pump turns (each sends what the completions before it freed): the wakeups a read costs */
  pumps = 0;
  private readonly lanes: Lane[] = [];
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly doits = new Fifo<Pending>();
  private readonly dumps = new Fifo<Pending>();
  private window = DEFAULT_WINDOW;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;

  constructor(private readonly size = DEFAULT_LANES) {}

  /**
   * Send every request pipelined and resolve with one outcome per request, in order. Rejects only
   * when a socket itself fails (not on a kernel errno).
   */
  exchange(reqs: readonly GenlRequest[], opts: ExchangeOptions = {}): Promise<Outcome[]> {
    if (this.closed) return Promise.reject(new Error('netlink socket is closed'));
    if (reqs.length === 0) return Promise.resolve([]);
    this.window = Math.max(1, opts.window ?? DEFAULT_WINDOW);
    return new Promise<Outcome[]>((resolve, reject) => {
      const ex = new Exchange(reqs.length, opts, resolve, reject);
      for (let i = 0; i < reqs.length; i++) {
        const req = reqs[i]!;
        const dump = (req.flags & NLM_F_DUMP) === NLM_F_DUMP;
        (dump ? this.dumps : this.doits).push({ ex, index: i, req, dump, messages: [] });
      }
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('netlink socket closed'));
    for (const l of this.lanes) l.raw.close();
    this.lanes.length = 0;
  }

  private lane(i: number): Lane {
    while (this.lanes.length <= i)
      this.lanes.push(
        new Lane(
          (lane, buf) => this.onDatagram(lane, buf),
          (e) => this.failAll(e),
        ),
      );
    return this.lanes[i]!;
  }

  /** The next request of a queue that is still to be sent (NOT_SENT for a stopped exchange's). */
  private next(q: Fifo<Pending>): Pending | undefined {
    for (let p = q.shift(); p; p = q.shift()) {
      if (!p.ex.stopped) return p;
      p.ex.settle(p.index, { errno: NOT_SENT, messages: [] });
    }
    return undefined;
  }

  private pump(): void {
    if (this.closed) return;
    this.pumps++;
    // doit requests: pipelined on lane 0 up to the window
    if (this.doits.length > 0) {
      const lane = this.lane(0);
      const batch: Pending[] = [];
      let bytes = 0;
      while (lane.inFlight.size + batch.length < this.window) {
        const p = this.next(this.doits);
        if (!p) break;
        const n = encodedSize(p.req);
        if (batch.length > 0 && bytes + n > MAX_SEND_BYTES) {
          this.send(lane, batch, bytes);
          batch.length = 0;
          bytes = 0;
        }
        batch.push(p);
        bytes += n;
      }
      if (batch.length > 0) this.send(lane, batch, bytes);
    }
    // dumps: one per lane, on every lane that has none running
    for (let i = 0; i < this.size && this.dumps.length > 0; i++) {
      if (i < this.lanes.length && this.lanes[i]!.dumping) continue;
      const p = this.next(this.dumps);
      if (!p) break;
      const lane = this.lane(i);
      lane.dumping = true;
      this.send(lane, [p], encodedSize(p.req));
    }
    this.refresh();
  }

  private send(lane: Lane, batch: Pending[], bytes: number): void {
    const buf = Buffer.allocUnsafe(bytes);
    let off = 0;
    for (const p of batch) {
      const seq = (this.seq = (this.seq + 1) >>> 0 || 1);
      off = encodeGenlInto(buf, off, p.req, seq);
      lane.inFlight.set(seq, p);
      this.requests++;
    }
    this.sendCalls++;
    lane.raw.send(buf, {}, (err?: unknown) => {
      if (err !== undefined && err !== null) this.failAll(asError(err, 'netlink sendmsg failed'));
    });
  }

  /** Ref the sockets (and arm a watchdog) exactly while something is in flight or queued. */
  private refresh(): void {
    let busy = this.doits.length > 0 || this.dumps.length > 0;
    for (const l of this.lanes) {
      const b = l.inFlight.size > 0;
      if (b !== l.refd) {
        if (b) l.raw.ref();
        else l.raw.unref();
        l.refd = b;
      }
      busy ||= b;
    }
    if (busy) {
      this.timer ??= setTimeout(() => this.failAll(new Error(`netlink: no reply from the kernel within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    } else if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private onDatagram(lane: Lane, buf: Buffer): void {
    this.datagrams++;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    let progressed = false;
    let off = 0;
    while (off + NLMSG_HDRLEN <= buf.length) {
      const len = view.getUint32(off, true);
      if (len < NLMSG_HDRLEN || off + len > buf.length) {
        this.failAll(new Error(`netlink: malformed message at offset ${off} (length ${len})`));
        return;
      }
      const type = view.getUint16(off + 4, true);
      const seq = view.getUint32(off + 8, true);
      const p = lane.inFlight.get(seq);
      const body = off + NLMSG_HDRLEN;
      off += (len + 3) & ~3;
      if (!p) continue; // not ours (a stale reply after a timeout)
      if (type >= 0x10) {
        // a dump page, or a doit reply (its ACK follows)
        const sink = p.ex.opts.sink;
        if (sink) sink(p.index, buf, view, body + GENL_HDRLEN, body + len - NLMSG_HDRLEN);
        else p.messages.push(decodeAttrs(buf, body + GENL_HDRLEN, body + len - NLMSG_HDRLEN));
        continue;
      }
      if (type === NLMSG_OVERRUN) {
        this.failAll(new Error('netlink overrun: replies were lost'));
        return;
      }
      let errno: number;
      if (type === NLMSG_ERROR)
        errno = -view.getInt32(body, true) | 0; // | 0: an ACK is 0, not -0
      else if (type === NLMSG_DONE) errno = len >= NLMSG_HDRLEN + 4 ? Math.abs(view.getInt32(body, true)) : 0;
      else continue;
      lane.inFlight.delete(seq);
      if (p.dump) lane.dumping = false;
      progressed = true;
      if (errno === ERRNO.EBUSY && p.dump) {
        p.messages = [];
        this.dumps.unshift(p); // another dump of ours was still running
        continue;
      }
      p.ex.settle(p.index, { errno, messages: p.messages });
      if (errno !== 0 && p.ex.opts.stopOnError) p.ex.stopped = true;
    }
    if (progressed) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.schedulePump();
    }
  }

  /**
   * Send what the completions freed on the next turn, not from inside the addon's receive
   * callback: the completions of a burst of datagrams then share one sendmsg.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private failAll(e: Error): void {
    const all = [...this.doits.drain(), ...this.dumps.drain()];
    for (const l of this.lanes) {
      all.push(...l.inFlight.values());
      l.inFlight.clear();
      l.dumping = false;
    }
    const exchanges = new Set(all.map((p) => p.ex));
    for (const ex of exchanges) ex.reject(e);
    this.refresh();
  }
}

/** One socket: a pool of one lane (its dumps run one after the other). */
export class GenlSocket extends GenlPool {
  constructor() {
    super(1);
  }
}
