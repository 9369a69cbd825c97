// One generic netlink socket with pipelining: requests are packed into as few sendmsg() calls as
// the window allows, each with its own sequence number; replies are matched back by sequence.
// The `netlink` package gives the raw socket (a prebuilt N-API addon); framing is ours (codec/).
//  - The socket is ref'd only while requests are in flight, so an idle agent can still exit.
//  - One sendmsg carries one concatenated buffer (no iovec arrays: >1,024 of them is EMSGSIZE),
//    at most MAX_SEND_BYTES, well under the socket's send buffer.
//  - The window bounds what the kernel queues for us (ACKs, dump pages), so the receive buffer
//    never overflows (an overflow drops replies: ENOBUFS).
//  - The kernel runs ONE dump per socket at a time (netlink_dump_start answers EBUSY while one is
//    running), and a non-empty IPVS dump only ends (NLMSG_DONE) on our next recvmsg. So a socket
//    never has two dumps in flight: its doit requests pipeline freely, its dumps go one after the
//    other, and GenlPool spreads dumps over several sockets so they still run side by side. (An
//    EBUSY anyway is sent again, counted as another request.)
import netlink from 'netlink';
import { decodeReplies, encodeGenl, NETLINK_GENERIC, NLM_F_DUMP, type AttrMap, type GenlRequest } from './codec/nlmsg';
import { ERRNO } from '@/lib/ipvs/kernel-errors';

const MAX_SEND_BYTES = 32 * 1024;
const DEFAULT_WINDOW = 64;
const REQUEST_TIMEOUT_MS = 30_000;

/** errno of a request that was never sent (an earlier one failed with stopOnError). */
export const NOT_SENT = -1;

/** What a request got back: errno 0 and its data messages, the kernel's errno, or NOT_SENT. */
export interface Outcome {
  errno: number;
  messages: AttrMap[];
}

interface Pending {
  req: GenlRequest;
  /** the exchange this request belongs to stops sending at its first error */
  group: { stopOnError: boolean; stopped: boolean };
  messages: AttrMap[];
  resolve: (o: Outcome) => void;
  reject: (e: Error) => void;
}

/** The package reports errors as Error objects, errno numbers or bare strings: make one Error. */
function asError(e: unknown, what: string): Error {
  if (e instanceof Error) return e;
  return new Error(`${what}: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
}

export class GenlSocket {
  /** netlink requests sent (retries included): what a test counts to prove a read is O(K) */
  requests = 0;
  /** sendmsg() calls made */
  sendCalls = 0;
  private readonly raw: InstanceType<typeof netlink.RawNetlinkSocket>;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly inFlight = new Map<number, Pending>();
  private readonly queue: Pending[] = [];
  private window = DEFAULT_WINDOW;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private dumpInFlight = false;
  private pumpScheduled = false;

  constructor() {
    this.raw = new netlink.RawNetlinkSocket(NETLINK_GENERIC, { recvBufferSize: 4 << 20, sendBufferSize: 1 << 20 });
    this.raw.on('message', (buf: Buffer) => this.onDatagram(buf));
    this.raw.on('error', (e: unknown) => this.failAll(asError(e, 'netlink socket error')));
    this.raw.unref();
  }

  /**
   * Send every request pipelined (at most `window` in flight) and resolve with one outcome per
   * request, in order. Rejects only when the socket itself fails (not on a kernel errno).
   */
  exchange(reqs: readonly GenlRequest[], opts: { window?: number; stopOnError?: boolean } = {}): Promise<Outcome[]> {
    if (this.closed) return Promise.reject(new Error('netlink socket is closed'));
    this.window = Math.max(1, opts.window ?? DEFAULT_WINDOW);
    const group = { stopOnError: opts.stopOnError ?? false, stopped: false };
    const all = reqs.map(
      (req) =>
        new Promise<Outcome>((resolve, reject) => {
          this.queue.push({ req, group, messages: [], resolve, reject });
        }),
    );
    this.pump();
    return Promise.all(all);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('netlink socket closed'));
    this.raw.close();
  }

  private pump(): void {
    if (this.closed) return;
    const batch: Buffer[] = [];
    let bytes = 0;
    for (let i = 0; i < this.queue.length && this.inFlight.size < this.window;) {
      const p = this.queue[i]!;
      const dump = (p.req.flags & NLM_F_DUMP) === NLM_F_DUMP;
      if (dump && this.dumpInFlight) {
        i++; // waits for the running dump; later doit requests may go ahead of it
        continue;
      }
      const seq = (this.seq = (this.seq + 1) >>> 0 || 1);
      const msg = encodeGenl(p.req, seq);
      if (batch.length > 0 && bytes + msg.length > MAX_SEND_BYTES) {
        this.send(batch);
        batch.length = 0;
        bytes = 0;
      }
      this.queue.splice(i, 1);
      if (dump) this.dumpInFlight = true;
      this.inFlight.set(seq, p);
      this.requests++;
      batch.push(msg);
      bytes += msg.length;
    }
    if (batch.length > 0) this.send(batch);
    this.refresh();
  }

  private send(batch: Buffer[]): void {
    this.sendCalls++;
    const buf = batch.length === 1 ? batch[0]! : Buffer.concat(batch);
    this.raw.send(buf, {}, (err?: unknown) => {
      if (err !== undefined && err !== null) this.failAll(asError(err, 'netlink sendmsg failed'));
    });
  }

  /** Ref the socket (and arm a watchdog) exactly while something is in flight or queued. */
  private refresh(): void {
    const busy = this.inFlight.size > 0 || this.queue.length > 0;
    if (busy) {
      this.raw.ref();
      if (!this.timer) this.timer = setTimeout(() => this.failAll(new Error(`netlink: no reply from the kernel within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    } else {
      this.raw.unref();
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private onDatagram(buf: Buffer): void {
    let replies;
    try {
      replies = decodeReplies(buf);
    } catch (e) {
      this.failAll(asError(e, 'netlink'));
      return;
    }
    let progressed = false;
    for (const r of replies) {
      const p = this.inFlight.get(r.seq);
      if (!p) continue; // not ours (a stale reply after a timeout)
      if (r.kind === 'data') {
        p.messages.push(r.attrs); // a dump page, or a doit reply (its ACK follows)
        continue;
      }
      if (r.kind === 'overrun') {
        this.failAll(new Error('netlink overrun: replies were lost'));
        return;
      }
      this.inFlight.delete(r.seq);
      if ((p.req.flags & NLM_F_DUMP) === NLM_F_DUMP) this.dumpInFlight = false;
      progressed = true;
      const errno = r.kind === 'ack' ? 0 : r.errno;
      if (errno === ERRNO.EBUSY && p.req.flags & NLM_F_DUMP) {
        this.queue.unshift({ ...p, messages: [] }); // another dump of ours was still running
        continue;
      }
      p.resolve({ errno, messages: p.messages });
      if (errno !== 0 && p.group.stopOnError && !p.group.stopped) this.stopGroup(p.group);
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

  /** Resolve the group's requests not yet sent as NOT_SENT; those in flight get their replies. */
  private stopGroup(group: Pending['group']): void {
    group.stopped = true;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i]!;
      if (p.group !== group) continue;
      this.queue.splice(i, 1);
      p.resolve({ errno: NOT_SENT, messages: [] });
    }
  }

  private failAll(e: Error): void {
    const all = [...this.inFlight.values(), ...this.queue];
    this.dumpInFlight = false;
    this.inFlight.clear();
    this.queue.length = 0;
    for (const p of all) p.reject(e);
    this.refresh();
  }
}

/**
 * Several sockets used as one: doit requests (and so every op of an apply, in order) go to the
 * first socket; dumps are spread over all of them, each socket running one dump at a time.
 */
export class GenlPool {
  private readonly sockets: GenlSocket[] = [];

  constructor(private readonly size = 8) {}

  private socket(i: number): GenlSocket {
    while (this.sockets.length <= i) this.sockets.push(new GenlSocket());
    return this.sockets[i]!;
  }

  /** Requests sent on all sockets (retries included). */
  get requests(): number {
    return this.sockets.reduce((n, s) => n + s.requests, 0);
  }
  get sendCalls(): number {
    return this.sockets.reduce((n, s) => n + s.sendCalls, 0);
  }

  async exchange(reqs: readonly GenlRequest[], opts: { window?: number; stopOnError?: boolean } = {}): Promise<Outcome[]> {
    const dumps = reqs.filter((r) => (r.flags & NLM_F_DUMP) === NLM_F_DUMP).length;
    if (dumps <= 1 || opts.stopOnError) return this.socket(0).exchange(reqs, opts);
    const lanes = Math.min(this.size, dumps);
    const parts: { idx: number[]; reqs: GenlRequest[] }[] = Array.from({ length: lanes }, () => ({ idx: [], reqs: [] }));
    let d = 0;
    reqs.forEach((r, i) => {
      const lane = (r.flags & NLM_F_DUMP) === NLM_F_DUMP ? d++ % lanes : 0;
      parts[lane]!.idx.push(i);
      parts[lane]!.reqs.push(r);
    });
    const outs = await Promise.all(parts.map((p, lane) => this.socket(lane).exchange(p.reqs, opts)));
    const result: Outcome[] = new Array(reqs.length);
    parts.forEach((p, lane) => p.idx.forEach((i, k) => (result[i] = outs[lane]![k]!)));
    return result;
  }

  close(): void {
    for (const s of this.sockets) s.close();
    this.sockets.length = 0;
  }
}
