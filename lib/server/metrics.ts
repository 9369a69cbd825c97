// Prometheus metrics of this control-plane process, in the text exposition format (0.0.4).
// Counters and histograms are per process (Prometheus sums them across instances); gauges that
// describe the fleet (directors by state, revisions) are read from the database at scrape time.

type Labels = Record<string, string>;

const labelKey = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Counter {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1) {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return out;
  }
}

class Histogram {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(value: number, labels: Labels = {}) {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

function gauge(name: string, help: string, values: [Labels, number][]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...values.map(([l, v]) => `${name}${Object.keys(l).length ? `{${labelKey(l)}}` : ''} ${v}`)];
}

class Registry {
  readonly requests = new Counter('lvs_http_requests_total', 'API requests handled by this process, by endpoint and status.');
  readonly duration = new Histogram('lvs_http_request_duration_seconds', 'API request duration (streams: until the stream opens).', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly revisions = new Counter('lvs_revisions_created_total', 'Config revisions committed through this process, by kind.');
  readonly pushes = new Counter('lvs_revision_pushes_total', 'desired events written to agent streams by this process.');
  readonly pushLatency = new Histogram('lvs_revision_apply_latency_seconds', 'From a revision\'s commit to a director\'s ACK of it.', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]);
  readonly reports = new Counter('lvs_agent_reports_total', 'Agent reports received by this process, by type.');
  readonly statsSamples = new Counter('lvs_stats_samples_total', 'Per-second stats samples received from agents by this process.');
  readonly connQueries = new Counter('lvs_conn_queries_total', 'Connection-table queries, by result.');
  readonly logins = new Counter('lvs_logins_total', 'Sign-in attempts, by result.');
  readonly busMessages = new Counter('lvs_bus_messages_total', 'Messages between control-plane processes (PostgreSQL NOTIFY), by direction and kind.');
  /** set by the hub and the stats store; read at scrape time */
  gauges: Record<string, () => [Labels, number][]> = {};

  httpRequest(endpoint: string, method: string, status: number, seconds: number) {
    this.requests.inc({ endpoint, method, status: String(status) });
    this.duration.observe(seconds, { endpoint });
  }

  render(fleet: { directors: [Labels, number][]; revisions: [Labels, number][] }): string {
    const lines: string[] = [];
    for (const m of [this.requests, this.duration, this.revisions, this.pushes, this.pushLatency, this.reports, this.statsSamples, this.connQueries, this.logins, this.busMessages]) {
      lines.push(...m.render());
    }
    const g = this.gauges;
    const help: Record<string, string> = {
      lvs_agents_connected: 'Agent streams open on this process.',
      lvs_browser_streams: 'Browser stats streams open on this process.',
      lvs_stats_series: 'Per-second series held in memory by this process.',
    };
    for (const [name, read] of Object.entries(g)) lines.push(...gauge(name, help[name] ?? name, read()));
    lines.push(...gauge('lvs_directors', 'Directors by state (whole fleet, from the database).', fleet.directors));
    lines.push(...gauge('lvs_cluster_revision', 'Current desired revision number per cluster.', fleet.revisions));
    lines.push(...gauge('lvs_process_uptime_seconds', 'Seconds since this process started.', [[{}, Math.round(process.uptime())]]));
    return `${lines.join('\n')}\n`;
  }
}

const g = globalThis as typeof globalThis & { __lvsMetrics?: Registry };
export const metrics: Registry = (g.__lvsMetrics ??= new Registry());
