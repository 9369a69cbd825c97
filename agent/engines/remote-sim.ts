// The simulated director's "kernel" in a process of its own, like a real kernel outlives the
// agent: `lvs-agent sim-kernel --socket PATH` holds a SimEngine and serves the Engine calls over a
// unix socket (one JSON line each way); `lvs-agent run --engine sim --sim-kernel PATH` drives it
// through RemoteSimEngine. An agent that is killed mid-apply leaves the table exactly as far as it
// got, and a restarted agent finds it there. Every apply is journaled (for tests and for humans);
// with --test-hooks a client can freeze the agent's next apply at an exact op (crash tests).
import fs from 'node:fs';
import net from 'node:net';
import type { DirectorConfig } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import type { ConnEntry, ConnFilter, StatsSnapshot } from '@/lib/ipvs/stats';
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts, type ReadScope } from './engine';

/** What the hosted engine must offer beyond Engine: the sim's health-check target. */
export interface SimKernel extends Engine {
  probeBackend(address: string, port: number): { ok: boolean; reason: string };
}

export interface JournalEntry {
  at: number;
  /** the ops that did run (a batch cut short by the agent's death lists only those) */
  ops: Op[];
  result: ApplyResult;
}

/**
 * A test hook (`sim-kernel --test-hooks`): freeze the kernel at an exact point of the next apply
 * made by another connection (the agent), so a test can kill the agent there instead of guessing
 * with timers. The frozen call stays frozen until that connection closes (the agent died); the
 * rest of its batch is then not run and nothing is answered.
 *  - `op`: before op #index of the batch runs (index 0: nothing ran; index = batch length: the whole
 *    batch ran but the agent never hears so). An index past the end means the end.
 *  - `read-after-apply`: the batch runs and is answered, and the agent's next readConfig (the
 *    read-back that verifies it) is frozen: the agent knows it applied but has not ACKed.
 */
export type Breakpoint = { at: 'op'; index: number } | { at: 'read-after-apply' };
/** Where the armed breakpoint caught the agent: `ran` ops of its `of`-op batch had run. */
export interface BreakpointHit {
  at: Breakpoint['at'];
  ran: number;
  of: number;
}

type Method = 'facts' | 'readConfig' | 'readStats' | 'apply' | 'connections' | 'probeBackend' | 'journal' | 'idle' | 'arm' | 'breakpointHit';

interface Request {
  id: number;
  method: Method;
  params?: unknown;
}

/** One client connection (the agent, a CLI, a test). */
interface Conn {
  gone(): boolean;
  /** Resolves when the client is gone (for an agent: it died). */
  closed: Promise<void>;
  /** A `read-after-apply` breakpoint caught this connection: its next readConfig freezes. */
  freezeNextRead: BreakpointHit | null;
}

export interface SimKernelServer {
  close(): Promise<void>;
  journal: JournalEntry[];
}

/**
 * Serve a sim engine on a unix socket. `opDelayMs` spaces out the ops of one apply (as a real
 * `ipvsadm -R` takes time per line). When the agent dies mid-batch the rest of the batch is not
 * run, as when systemd kills the agent's whole cgroup (its ipvsadm child included): the table is
 * left partly applied, and a restarted agent has to cope with exactly that.
 */
export async function serveSimKernel(engine: SimKernel, socketPath: string, opts: { opDelayMs?: number; testHooks?: boolean } = {}): Promise<SimKernelServer> {
  try {
    fs.unlinkSync(socketPath);
  } catch {
    // nothing to remove
  }
  const journal: JournalEntry[] = [];
  let applying: Promise<unknown> = Promise.resolve();
  const delay = opts.opDelayMs ?? 0;

  // test hooks: at most one armed breakpoint; whoever waits on breakpointHit hears where it caught
  let armed: { bp: Breakpoint; by: Conn } | null = null;
  let hit: { promise: Promise<BreakpointHit>; resolve: (h: BreakpointHit) => void } | null = null;
  const newHit = () => {
    let resolve!: (h: BreakpointHit) => void;
    const promise = new Promise<BreakpointHit>((r) => (resolve = r));
    return { promise, resolve };
  };
  const take = (at: Breakpoint['at'], conn: Conn): Breakpoint | null => {
    if (!armed || armed.bp.at !== at || armed.by === conn) return null;
    const { bp } = armed;
    armed = null;
    return bp;
  };
  const freeze = (conn: Conn, h: BreakpointHit): Promise<void> => {
    hit?.resolve(h);
    return conn.closed;
  };

  const applyOps = async (ops: Op[], conn: Conn): Promise<{ result: ApplyResult; ran: Op[] }> => {
    const bp = take('op', conn) as Extract<Breakpoint, { at: 'op' }> | null;
    const stopAt = bp ? Math.min(Math.max(bp.index, 0), ops.length) : -1;
    if (delay === 0 && !bp) {
      const result = await engine.apply(ops);
      return { result, ran: result.ok ? ops : ops.slice(0, result.applied) };
    }
    for (let i = 0; i < ops.length; i++) {
      if (i === stopAt) await freeze(conn, { at: 'op', ran: i, of: ops.length });
      if (conn.gone()) return { result: { ok: true, applied: i }, ran: ops.slice(0, i) };
      const r = await engine.apply([ops[i]!]);
      if (!r.ok) return { result: { ...r, applied: i }, ran: ops.slice(0, i) };
      if (delay) await new Promise((res) => setTimeout(res, delay));
    }
    if (stopAt === ops.length) await freeze(conn, { at: 'op', ran: ops.length, of: ops.length });
    return { result: { ok: true, applied: ops.length }, ran: ops };
  };

  const call = async (req: Request, conn: Conn): Promise<unknown> => {
    switch (req.method) {
      case 'facts':
        return engine.facts();
      case 'readConfig': {
        await applying;
        const frozen = conn.freezeNextRead;
        conn.freezeNextRead = null;
        if (frozen) await freeze(conn, frozen);
        return engine.readConfig((req.params as ReadScope | null) ?? undefined);
      }
      case 'readStats':
        return engine.readStats();
      case 'apply': {
        const ops = req.params as Op[];
        // journaled inside the chain, so `idle` never answers before the journal has the batch
        const run = applying.then(async () => {
          const out = await applyOps(ops, conn);
          journal.push({ at: Date.now(), ops: out.ran, result: out.result });
          return out;
        });
        applying = run.catch(() => undefined);
        const { result, ran } = await run;
        if (take('read-after-apply', conn)) conn.freezeNextRead = { at: 'read-after-apply', ran: ran.length, of: ops.length };
        return result;
      }
      case 'connections': {
        const out: ConnEntry[] = [];
        for await (const e of engine.connections(req.params as Partial<ConnFilter>)) out.push(e);
        return out;
      }
      case 'probeBackend': {
        const { address, port } = req.params as { address: string; port: number };
        return engine.probeBackend(address, port);
      }
      case 'journal':
        return journal;
      case 'idle':
        await applying;
        return true;
      case 'arm': {
        if (!opts.testHooks) throw new Error('test hooks are off: start the sim kernel with --test-hooks');
        const bp = req.params as Breakpoint;
        if (bp?.at !== 'read-after-apply' && !(bp?.at === 'op' && Number.isInteger(bp.index) && bp.index >= 0)) {
          throw new Error(`arm: expected {at: 'op', index: whole number >= 0} or {at: 'read-after-apply'}, got ${JSON.stringify(bp)}`);
        }
        armed = { bp, by: conn };
        hit = newHit();
        return true;
      }
      case 'breakpointHit': {
        if (!hit) throw new Error('breakpointHit: no breakpoint was armed');
        return hit.promise;
      }
    }
  };

  const server = net.createServer((sock) => {
    let buf = '';
    let closed = false;
    let onClose!: () => void;
    const conn: Conn = { gone: () => closed, closed: new Promise<void>((r) => (onClose = r)), freezeNextRead: null };
    sock.on('close', () => {
      closed = true;
      onClose();
      if (armed?.by === conn) armed = null;
    });
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let req: Request;
        try {
          req = JSON.parse(line) as Request;
        } catch {
          continue;
        }
        call(req, conn).then(
          (result) => {
            if (!sock.destroyed) sock.write(`${JSON.stringify({ id: req.id, result })}\n`);
          },
          (e: Error) => {
            if (!sock.destroyed) sock.write(`${JSON.stringify({ id: req.id, error: { name: e.name, message: e.message } })}\n`);
          },
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    journal,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The agent's side: an Engine whose kernel is a sim-kernel process. */
export class RemoteSimEngine implements Engine {
  readonly kind = 'sim' as const;
  private sock: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private seq = 0;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(readonly socketPath: string) {}

  private connect(): Promise<net.Socket> {
    if (this.sock && !this.sock.destroyed) return Promise.resolve(this.sock);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(this.socketPath);
      let buf = '';
      s.setEncoding('utf8');
      s.once('connect', () => {
        this.sock = s;
        this.connecting = null;
        resolve(s);
      });
      s.on('error', (e: NodeJS.ErrnoException) => {
        this.connecting = null;
        reject(new EngineUnavailableError(`sim kernel at ${this.socketPath} is not answering (${e.code ?? e.message}); start it with: lvs-agent sim-kernel --socket ${this.socketPath}`));
      });
      s.on('close', () => {
        this.sock = null;
        for (const p of this.pending.values()) p.reject(new EngineUnavailableError('sim kernel connection closed'));
        this.pending.clear();
      });
      s.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, i)) as { id: number; result?: unknown; error?: { name: string; message: string } };
          buf = buf.slice(i + 1);
          const p = this.pending.get(msg.id);
          if (!p) continue;
          this.pending.delete(msg.id);
          if (msg.error) {
            const e = msg.error.name === 'EngineUnavailableError' ? new EngineUnavailableError(msg.error.message) : new Error(msg.error.message);
            e.name = msg.error.name;
            p.reject(e);
          } else p.resolve(msg.result);
        }
      });
    });
    return this.connecting;
  }

  async call<T>(method: Method, params?: unknown): Promise<T> {
    const s = await this.connect();
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      s.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  facts(): Promise<EngineFacts> {
    return this.call('facts');
  }
  readConfig(scope?: ReadScope): Promise<DirectorConfig> {
    return this.call('readConfig', scope ?? null);
  }
  readStats(): Promise<StatsSnapshot> {
    return this.call('readStats');
  }
  apply(ops: Op[]): Promise<ApplyResult> {
    return this.call('apply', ops);
  }
  probeBackend(address: string, port: number): Promise<{ ok: boolean; reason: string }> {
    return this.call('probeBackend', { address, port });
  }
  journal(): Promise<JournalEntry[]> {
    return this.call('journal');
  }
  /** Resolves once no apply is running in the sim kernel. */
  idle(): Promise<boolean> {
    return this.call('idle');
  }
  /** Test hook (sim-kernel --test-hooks): freeze another connection's next apply at `bp`. */
  arm(bp: Breakpoint): Promise<boolean> {
    return this.call('arm', bp);
  }
  /** Resolves when the armed breakpoint has caught its call (which then waits for its client to die). */
  breakpointHit(): Promise<BreakpointHit> {
    return this.call('breakpointHit');
  }

  async *connections(filter: Partial<ConnFilter> = {}): AsyncIterable<ConnEntry> {
    const entries = await this.call<ConnEntry[]>('connections', filter);
    yield* entries;
  }

  async close(): Promise<void> {
    this.sock?.destroy();
    this.sock = null;
  }
}
