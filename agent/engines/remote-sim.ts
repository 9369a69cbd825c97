// The simulated director's "kernel" in a process of its own, like a real kernel outlives the
// agent: `lvs-agent sim-kernel --socket PATH` holds a SimEngine and serves the Engine calls over a
// unix socket (one JSON line each way); `lvs-agent run --engine sim --sim-kernel PATH` drives it
// through RemoteSimEngine. An agent that is killed mid-apply leaves the table exactly as far as it
// got, and a restarted agent finds it there. Every apply is journaled (for tests and for humans).
import fs from 'node:fs';
import net from 'node:net';
import type { DirectorConfig } from '../../lib/ipvs/model';
import type { Op } from '../../lib/ipvs/op';
import type { ConnEntry, ConnFilter, StatsSnapshot } from '../../lib/ipvs/stats';
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts } from './engine';

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

type Method = 'facts' | 'readConfig' | 'readStats' | 'apply' | 'connections' | 'probeBackend' | 'journal' | 'idle';

interface Request {
  id: number;
  method: Method;
  params?: unknown;
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
export async function serveSimKernel(engine: SimKernel, socketPath: string, opts: { opDelayMs?: number } = {}): Promise<SimKernelServer> {
  try {
    fs.unlinkSync(socketPath);
  } catch {
    // nothing to remove
  }
  const journal: JournalEntry[] = [];
  let applying: Promise<unknown> = Promise.resolve();
  const delay = opts.opDelayMs ?? 0;

  const applyOps = async (ops: Op[], gone: () => boolean): Promise<{ result: ApplyResult; ran: Op[] }> => {
    if (delay === 0) {
      const result = await engine.apply(ops);
      return { result, ran: result.ok ? ops : ops.slice(0, result.applied) };
    }
    for (let i = 0; i < ops.length; i++) {
      if (gone()) return { result: { ok: true, applied: i }, ran: ops.slice(0, i) };
      const r = await engine.apply([ops[i]!]);
      if (!r.ok) return { result: { ...r, applied: i }, ran: ops.slice(0, i) };
      await new Promise((res) => setTimeout(res, delay));
    }
    return { result: { ok: true, applied: ops.length }, ran: ops };
  };

  const call = async (req: Request, gone: () => boolean): Promise<unknown> => {
    switch (req.method) {
      case 'facts': return engine.facts();
      case 'readConfig': await applying; return engine.readConfig();
      case 'readStats': return engine.readStats();
      case 'apply': {
        const ops = req.params as Op[];
        const run = applying.then(() => applyOps(ops, gone));
        applying = run.catch(() => undefined);
        const { result, ran } = await run;
        journal.push({ at: Date.now(), ops: ran, result });
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
      case 'journal': return journal;
      case 'idle': await applying; return true;
    }
  };

  const server = net.createServer((sock) => {
    let buf = '';
    let closed = false;
    sock.on('close', () => (closed = true));
    const gone = () => closed;
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
        call(req, gone).then(
          (result) => { if (!sock.destroyed) sock.write(`${JSON.stringify({ id: req.id, result })}\n`); },
          (e: Error) => { if (!sock.destroyed) sock.write(`${JSON.stringify({ id: req.id, error: { name: e.name, message: e.message } })}\n`); },
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

  facts(): Promise<EngineFacts> { return this.call('facts'); }
  readConfig(): Promise<DirectorConfig> { return this.call('readConfig'); }
  readStats(): Promise<StatsSnapshot> { return this.call('readStats'); }
  apply(ops: Op[]): Promise<ApplyResult> { return this.call('apply', ops); }
  probeBackend(address: string, port: number): Promise<{ ok: boolean; reason: string }> { return this.call('probeBackend', { address, port }); }
  journal(): Promise<JournalEntry[]> { return this.call('journal'); }
  /** Resolves once no apply is running in the sim kernel. */
  idle(): Promise<boolean> { return this.call('idle'); }

  async *connections(filter: Partial<ConnFilter> = {}): AsyncIterable<ConnEntry> {
    const entries = await this.call<ConnEntry[]>('connections', filter);
    yield* entries;
  }

  async close(): Promise<void> {
    this.sock?.destroy();
    this.sock = null;
  }
}
