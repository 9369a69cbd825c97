// Prometheus metrics of this control-plane process (prom-client, text exposition format).
// Counters and histograms are per process (Prometheus sums them across instances); gauges that
// describe the fleet (directors by state, revisions) are read from the database at scrape time
// (fleet.ts); gauges of this process's own state are read from their owners when scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

class Metrics {
  readonly registry = new Registry();
  private readonly reg = [this.registry];

  readonly requests = new Counter({
    name: 'lvs_http_requests_total',
    help: 'API requests handled by this process, by endpoint and status.',
    labelNames: ['endpoint', 'method', 'status'] as const,
    registers: this.reg,
  });
  readonly duration = new Histogram({
    name: 'lvs_http_request_duration_seconds',
    help: 'API request duration (streams: until the stream opens).',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: this.reg,
  });
  readonly revisions = new Counter({ name: 'lvs_revisions_created_total', help: 'Config revisions committed through this process, by kind.', labelNames: ['kind'] as const, registers: this.reg });
  readonly pushes = new Counter({ name: 'lvs_revision_pushes_total', help: 'desired events written to agent streams by this process.', registers: this.reg });
  readonly pushLatency = new Histogram({
    name: 'lvs_revision_apply_latency_seconds',
    help: "From a revision's commit to a director's ACK of it.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: this.reg,
  });
  readonly reports = new Counter({ name: 'lvs_agent_reports_total', help: 'Agent reports received by this process, by type.', labelNames: ['type'] as const, registers: this.reg });
  readonly statsSamples = new Counter({ name: 'lvs_stats_samples_total', help: 'Per-second stats samples received from agents by this process.', registers: this.reg });
  readonly connQueries = new Counter({ name: 'lvs_conn_queries_total', help: 'Connection-table queries, by result.', labelNames: ['result'] as const, registers: this.reg });
  readonly logins = new Counter({ name: 'lvs_logins_total', help: 'Sign-in attempts, by result.', labelNames: ['result'] as const, registers: this.reg });
  readonly busMessages = new Counter({
    name: 'lvs_bus_messages_total',
    help: 'Messages between control-plane processes (PostgreSQL NOTIFY), by direction and kind.',
    labelNames: ['direction', 'kind'] as const,
    registers: this.reg,
  });

  /** Gauges of this process's state: the owner says how to read it (hub, streams, stats store). */
  private readers = new Map<string, () => number>();
  readonly agentsConnected = this.observed('lvs_agents_connected', 'Agent streams open on this process.');
  readonly browserStreams = this.observed('lvs_browser_streams', 'Browser stats streams open on this process.');
  readonly statsSeries = this.observed('lvs_stats_series', 'Per-second series held in memory by this process.');

  private readonly directors = new Gauge({ name: 'lvs_directors', help: 'Directors by state (whole fleet, from the database).', labelNames: ['cluster', 'state'] as const, registers: this.reg });
  private readonly clusterRevision = new Gauge({ name: 'lvs_cluster_revision', help: 'Current desired revision number per cluster.', labelNames: ['cluster'] as const, registers: this.reg });

  constructor() {
    new Gauge({
      name: 'lvs_process_uptime_seconds',
      help: 'Seconds since this process started.',
      registers: this.reg,
      collect() {
        this.set(Math.round(process.uptime()));
      },
    });
  }

  private observed(name: string, help: string): { readBy(fn: () => number): void } {
    const readers = this.readers;
    new Gauge({
      name,
      help,
      registers: this.reg,
      collect() {
        const read = readers.get(name);
        if (read) this.set(read());
      },
    });
    return { readBy: (fn) => void readers.set(name, fn) };
  }

  httpRequest(endpoint: string, method: string, status: number, seconds: number) {
    this.requests.inc({ endpoint, method, status: String(status) });
    this.duration.observe({ endpoint }, seconds);
  }

  /** The exposition, with the fleet's gauges as read from the database for this scrape. */
  async render(fleet: { directors: [Record<'cluster' | 'state', string>, number][]; revisions: [Record<'cluster', string>, number][] }): Promise<string> {
    this.directors.reset();
    for (const [l, v] of fleet.directors) this.directors.set(l, v);
    this.clusterRevision.reset();
    for (const [l, v] of fleet.revisions) this.clusterRevision.set(l, v);
    return this.registry.metrics();
  }
}

const g = globalThis as typeof globalThis & { __lvsMetrics?: Metrics };
export const metrics: Metrics = (g.__lvsMetrics ??= new Metrics());
