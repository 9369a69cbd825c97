// A minimal control plane for agent tests: the four agent endpoints with bearer-token auth, SSE
// push of `desired` / `reconcile` / `conn-query` events, every POST recorded and validated with
// the protocol schemas (a malformed message fails the test that sent it).
import http from 'node:http';
import type net from 'node:net';
import { ConnAnswerSchema, protocolMismatch, ReportSchema, StatsBatchSchema, type ConnAnswer, type DesiredRevision, type Report, type StatsBatch } from '@/lib/protocol/messages';
import { decodeStatsBatch } from '@/lib/protocol/stats-wire';
import type { StatsSnapshot } from '@/lib/ipvs/stats';

export class FakeControlPlane {
  private server: http.Server | null = null;
  private streams = new Set<http.ServerResponse>();
  readonly reports: Report[] = [];
  /** hellos refused for another protocol version */
  refusedHellos = 0;
  /** the stats batches as the samples they carry (a `rows` batch decoded) */
  readonly stats: { samples: StatsSnapshot[] }[] = [];
  /** the stats batches as they came */
  readonly statsBodies: StatsBatch[] = [];
  readonly answers: ConnAnswer[] = [];
  readonly invalid: string[] = [];
  desired: DesiredRevision | null = null;
  /** Refuse everything with this status while set (simulates an outage behind a proxy). */
  failWith: number | null = null;
  streamConnects = 0;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  constructor(readonly token = 'secret-token') {}

  get url(): string {
    const a = this.server!.address() as net.AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  async listen(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Cut every open event stream (the agent should reconnect and say hello again). */
  dropStreams(): void {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }

  get connectedStreams(): number {
    return this.streams.size;
  }

  publish(rev: DesiredRevision): void {
    this.desired = rev;
    this.send('desired', rev);
  }

  send(event: string, data: unknown): void {
    for (const s of this.streams) s.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  reportsOf<T extends Report['type']>(type: T): Extract<Report, { type: T }>[] {
    return this.reports.filter((r): r is Extract<Report, { type: T }> => r.type === type);
  }

  /** Resolves when pred() holds (checked after every request); rejects after timeoutMs. */
  waitFor(pred: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out waiting for ${what}; reports: ${JSON.stringify(this.reports.map((r) => r.type))}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.pred()) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.failWith !== null) {
      res.writeHead(this.failWith).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"bad token"}');
      return;
    }
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/api/v1/agent/stream') {
      this.streamConnects++;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': connected\n\n');
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      if (this.desired) res.write(`event: desired\ndata: ${JSON.stringify(this.desired)}\n\n`);
      this.check();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const schema = url === '/api/v1/agent/report' ? ReportSchema : url === '/api/v1/agent/stats' ? StatsBatchSchema : url === '/api/v1/agent/connections' ? ConnAnswerSchema : null;
      if (!schema || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const r = schema.safeParse(json);
      if (!r.success) {
        this.invalid.push(`${url}: ${r.error.message}`);
        res.writeHead(400).end();
        return;
      }
      const mismatch = schema === ReportSchema && (r.data as Report).type === 'hello' ? protocolMismatch((r.data as Extract<Report, { type: 'hello' }>).protocolVersion) : null;
      if (mismatch) {
        // as the console does (lib/server/directors.ts handleReport)
        this.refusedHellos++;
        res.writeHead(409, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `agent refused: ${mismatch}`, issues: [{ path: 'protocolVersion', message: mismatch }] }));
        this.check();
        return;
      }
      if (schema === ReportSchema) this.reports.push(r.data as Report);
      else if (schema === StatsBatchSchema) this.receiveStats(r.data as StatsBatch);
      else this.answers.push(r.data as ConnAnswer);
      res.writeHead(204).end();
      this.check();
    });
  }

  private receiveStats(b: StatsBatch): void {
    this.statsBodies.push(b);
    this.stats.push({ samples: b.format === 'rows' ? decodeStatsBatch(b) : b.samples });
  }
}
