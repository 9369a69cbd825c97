// The fake control plane without sockets: a `fetch` the Transport is given, answered in-process
// through promises only, so a test under fake timers decides every step (no real I/O racing the
// clock). Same recording and validation as FakeControlPlane; failures are scripted per endpoint.
import { ReportSchema, StatsBatchSchema, StatsSnapshotBatchSchema, type Report, type StatsBatch } from '@/lib/protocol/messages';
import { decodeStatsBatch } from '@/lib/protocol/stats-wire';
import type { StatsSnapshot } from '@/lib/ipvs/stats';

type Endpoint = 'stream' | 'report' | 'stats';

export class MemoryControlPlane {
  readonly reports: Report[] = [];
  /** the stats batches as the samples they carry (a `rows` batch decoded) */
  readonly stats: { samples: StatsSnapshot[] }[] = [];
  /** the stats batches as they came */
  readonly statsBodies: StatsBatch[] = [];
  readonly invalid: string[] = [];
  /** Date.now() of every stream attempt (answered or refused). */
  readonly streamAttempts: number[] = [];
  /** Take stats only in the older `snapshots` shape and answer 400 to any other, as a console from before the `rows` shape does. */
  snapshotStatsOnly = false;
  /** Refuse every request with this status while set (the console is down behind a proxy). */
  down: number | null = null;
  /** Scripted failures: the next n requests to an endpoint get this status. */
  private failures: Record<Endpoint, { n: number; status: number }> = { stream: { n: 0, status: 503 }, report: { n: 0, status: 503 }, stats: { n: 0, status: 503 } };
  private streams = new Set<ReadableStreamDefaultController<Uint8Array>>();

  failNext(endpoint: Endpoint, n = 1, status = 503): void {
    this.failures[endpoint] = { n, status };
  }

  reportsOf<T extends Report['type']>(type: T): Extract<Report, { type: T }>[] {
    return this.reports.filter((r): r is Extract<Report, { type: T }> => r.type === type);
  }

  get connectedStreams(): number {
    return this.streams.size;
  }

  /** Cut every open stream, as a console restart does. */
  dropStreams(): void {
    for (const c of this.streams) c.error(new Error('socket hang up'));
    this.streams.clear();
  }

  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const endpoint = url.pathname.split('/').pop() as Endpoint;
    const status = this.refusal(endpoint);
    if (endpoint === 'stream') this.streamAttempts.push(Date.now());
    if (status !== null) return Promise.resolve(new Response(null, { status }));
    if (endpoint === 'stream') return Promise.resolve(this.openStream(init?.signal ?? null));
    const json: unknown = JSON.parse(String(init?.body));
    if (endpoint === 'report') {
      const r = ReportSchema.safeParse(json);
      if (r.success) this.reports.push(r.data);
      else this.invalid.push(r.error.message);
    } else {
      const r = (this.snapshotStatsOnly ? StatsSnapshotBatchSchema : StatsBatchSchema).safeParse(json);
      if (r.success) this.receiveStats(r.data);
      else if (this.snapshotStatsOnly) return Promise.resolve(new Response(JSON.stringify({ error: 'invalid request body' }), { status: 400 }));
      else this.invalid.push(r.error.message);
    }
    return Promise.resolve(new Response(null, { status: 204 }));
  };

  private refusal(endpoint: Endpoint): number | null {
    if (this.down !== null) return this.down;
    const f = this.failures[endpoint];
    if (f.n <= 0) return null;
    f.n--;
    return f.status;
  }

  private openStream(signal: AbortSignal | null): Response {
    let ctl: ReadableStreamDefaultController<Uint8Array> | null = null;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        ctl = c;
        this.streams.add(c);
        c.enqueue(new TextEncoder().encode(': connected\n\n'));
      },
    });
    signal?.addEventListener('abort', () => {
      if (ctl && this.streams.delete(ctl)) ctl.error(signal.reason);
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  }

  private receiveStats(b: StatsBatch): void {
    this.statsBodies.push(b);
    this.stats.push({ samples: b.format === 'rows' ? decodeStatsBatch(b) : b.samples });
  }
}
