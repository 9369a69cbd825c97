// /metrics in the Prometheus text format, written by prom-client. The IPVS series use node_exporter's names and labels
// (collector/ipvs_linux.go), so existing dashboards and alerts keep working when the agent
// replaces node_exporter's ipvs collector; lvs_* series add what node_exporter lacks: per-service
// and per-backend counters, both kinds of rates, persistent connections, health and agent state.
import http from 'node:http';
import { Counter, Gauge, Registry, register } from 'prom-client';
import type { DirectorConfig, ServiceKey } from '@/lib/ipvs/model';
import { serviceKeyId, serverKeyId } from '@/lib/ipvs/keys';
import type { Counters, Rates, StatsSnapshot } from '@/lib/ipvs/stats';
import type { HealthState } from '@/lib/protocol/messages';
import type { DeltaRates } from './sampler';

export interface AgentMetricsState {
  appliedRevision: number | null;
  desiredRevision: number | null;
  drift: boolean;
  connected: boolean;
  reconciles: { ok: number; failed: number };
  lastReconcileSeconds: number | null;
  statsDropped: number;
  statsErrors: number;
  statsSkippedTicks: number;
  statsSampleSeconds: number | null;
}

export interface MetricsInput {
  snapshot: StatsSnapshot | null;
  /** The live config (weights are not in the stats listings). */
  live: DirectorConfig | null;
  deltas: Map<string, DeltaRates>;
  health: HealthState[];
  agent: AgentMetricsState;
}

type Labels = Record<string, string>;

/**
 * One scrape's worth of metric families on a fresh prom-client Registry: the kernel's counters are
 * absolute readings, so each scrape builds its families from the latest sample (a counter starts at
 * 0 and is incremented once by the reading; a gauge is set) and prom-client writes the exposition.
 */
class Families {
  readonly registry = new Registry();
  private readonly made = new Map<string, Counter | Gauge>();
  metric(name: string, type: 'counter' | 'gauge', help: string, value: number, labels: Labels = {}): void {
    let m = this.made.get(name);
    if (!m) {
      const spec = { name, help, labelNames: Object.keys(labels), registers: [this.registry] };
      m = type === 'counter' ? new Counter(spec) : new Gauge(spec);
      this.made.set(name, m);
    }
    const v = Number.isFinite(value) ? value : 0;
    if (m instanceof Counter) m.inc(labels, Math.max(0, v));
    else m.set(labels, v);
  }
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function nodeBackendLabels(svc: ServiceKey, rs: { address: string; port: number }): Labels {
  const fw = svc.protocol === 'fwmark';
  return {
    local_address: fw ? '' : svc.address,
    local_port: fw ? '0' : String(svc.port),
    remote_address: rs.address,
    remote_port: String(rs.port),
    proto: fw ? 'FWM' : svc.protocol.toUpperCase(),
    local_mark: fw ? svc.fwmark.toString(16).toUpperCase().padStart(8, '0') : '',
  };
}

function serviceLabels(svc: ServiceKey): Labels {
  return svc.protocol === 'fwmark'
    ? { protocol: 'fwmark', fwmark: String(svc.fwmark), family: svc.family, address: '', port: '0' }
    : { protocol: svc.protocol, address: svc.address, port: String(svc.port), fwmark: '', family: svc.address.includes(':') ? 'inet6' : 'inet' };
}

const COUNTER_SERIES: [keyof Counters, string, string][] = [
  ['conns', 'connections_total', 'connections scheduled'],
  ['inPkts', 'incoming_packets_total', 'incoming packets'],
  ['outPkts', 'outgoing_packets_total', 'outgoing packets'],
  ['inBytes', 'incoming_bytes_total', 'incoming bytes'],
  ['outBytes', 'outgoing_bytes_total', 'outgoing bytes'],
];
const RATE_SERIES: [keyof Rates & keyof DeltaRates, string, string][] = [
  ['cps', 'connections_per_second', 'connections per second'],
  ['inpps', 'incoming_packets_per_second', 'incoming packets per second'],
  ['outpps', 'outgoing_packets_per_second', 'outgoing packets per second'],
  ['inbps', 'incoming_bytes_per_second', 'incoming bytes per second'],
  ['outbps', 'outgoing_bytes_per_second', 'outgoing bytes per second'],
];

export function renderMetrics(m: MetricsInput): Promise<string> {
  const w = new Families();
  const s = m.snapshot;
  if (s) {
    const t = s.totals.counters;
    w.metric('node_ipvs_connections_total', 'counter', 'The total number of connections made.', t.conns);
    w.metric('node_ipvs_incoming_packets_total', 'counter', 'The total number of incoming packets.', t.inPkts);
    w.metric('node_ipvs_outgoing_packets_total', 'counter', 'The total number of outgoing packets.', t.outPkts);
    w.metric('node_ipvs_incoming_bytes_total', 'counter', 'The total amount of incoming data.', t.inBytes);
    w.metric('node_ipvs_outgoing_bytes_total', 'counter', 'The total amount of outgoing data.', t.outBytes);

    const weights = new Map<string, number>();
    for (const svc of m.live?.services ?? []) for (const rs of svc.realServers) weights.set(serverKeyId(svc, rs), rs.weight);
    for (const svc of s.services) {
      for (const rs of svc.realServers) {
        const l = nodeBackendLabels(svc.service, rs);
        w.metric('node_ipvs_backend_connections_active', 'gauge', 'The current active connections by local and remote address.', rs.activeConns, l);
      }
    }
    for (const svc of s.services)
      for (const rs of svc.realServers)
        w.metric('node_ipvs_backend_connections_inactive', 'gauge', 'The current inactive connections by local and remote address.', rs.inactConns, nodeBackendLabels(svc.service, rs));
    for (const svc of s.services) {
      for (const rs of svc.realServers) {
        const weight = weights.get(serverKeyId(svc.service, rs));
        if (weight !== undefined) w.metric('node_ipvs_backend_weight', 'gauge', 'The current backend weight by local and remote address.', weight, nodeBackendLabels(svc.service, rs));
      }
    }

    // lvs_*: per service and per backend; one metric family per loop so HELP/TYPE stay grouped.
    for (const [field, suffix, what] of COUNTER_SERIES) {
      for (const svc of s.services) w.metric(`lvs_service_${suffix}`, 'counter', `Virtual service ${what} since the last zeroing.`, svc.counters[field], serviceLabels(svc.service));
    }
    for (const [field, suffix, what] of COUNTER_SERIES) {
      for (const svc of s.services)
        for (const rs of svc.realServers)
          w.metric(`lvs_backend_${suffix}`, 'counter', `Real server ${what} since the last zeroing.`, rs.counters[field], {
            ...serviceLabels(svc.service),
            server_address: rs.address,
            server_port: String(rs.port),
          });
    }
    for (const svc of s.services)
      for (const rs of svc.realServers)
        w.metric('lvs_backend_connections_persistent', 'gauge', 'Persistence templates pointing at the real server (PersistConn).', rs.persistConns, {
          ...serviceLabels(svc.service),
          server_address: rs.address,
          server_port: String(rs.port),
        });

    // Rates: source="kernel" is the IPVS estimator (8 s EWMA, 2 s steps); source="delta" the last sampling interval.
    for (const [field, suffix, what] of RATE_SERIES) {
      const name = `lvs_${suffix}`;
      const help = `Director-wide ${what}.`;
      w.metric(name, 'gauge', help, s.totals.rates[field], { source: 'kernel' });
      const d = m.deltas.get('');
      if (d) w.metric(name, 'gauge', help, d[field], { source: 'delta' });
    }
    for (const [field, suffix, what] of RATE_SERIES) {
      const name = `lvs_service_${suffix}`;
      for (const svc of s.services) {
        const l = serviceLabels(svc.service);
        w.metric(name, 'gauge', `Virtual service ${what}.`, svc.rates[field], { ...l, source: 'kernel' });
        const d = m.deltas.get(serviceKeyId(svc.service));
        if (d) w.metric(name, 'gauge', `Virtual service ${what}.`, d[field], { ...l, source: 'delta' });
      }
    }
    for (const [field, suffix, what] of RATE_SERIES) {
      const name = `lvs_backend_${suffix}`;
      for (const svc of s.services) {
        for (const rs of svc.realServers) {
          const l = { ...serviceLabels(svc.service), server_address: rs.address, server_port: String(rs.port) };
          w.metric(name, 'gauge', `Real server ${what}.`, rs.rates[field], { ...l, source: 'kernel' });
          const d = m.deltas.get(serverKeyId(svc.service, rs));
          if (d) w.metric(name, 'gauge', `Real server ${what}.`, d[field], { ...l, source: 'delta' });
        }
      }
    }
  }
  for (const h of m.health) {
    w.metric('lvs_backend_healthy', 'gauge', 'Health check verdict (1 healthy, 0 failing).', h.healthy ? 1 : 0, {
      ...serviceLabels(h.service),
      server_address: h.server.address,
      server_port: String(h.server.port),
    });
  }
  const a = m.agent;
  if (a.appliedRevision !== null) w.metric('lvs_agent_applied_revision', 'gauge', 'The last revision applied and verified (ACKed).', a.appliedRevision);
  if (a.desiredRevision !== null) w.metric('lvs_agent_desired_revision', 'gauge', 'The newest desired revision received.', a.desiredRevision);
  w.metric('lvs_agent_drift', 'gauge', '1 when the live table differs from the last applied revision.', a.drift ? 1 : 0);
  w.metric('lvs_agent_control_plane_connected', 'gauge', '1 while the event stream to the control plane is up.', a.connected ? 1 : 0);
  w.metric('lvs_agent_reconciles_total', 'counter', 'Reconcile passes by result.', a.reconciles.ok, { result: 'ok' });
  w.metric('lvs_agent_reconciles_total', 'counter', 'Reconcile passes by result.', a.reconciles.failed, { result: 'failed' });
  if (a.lastReconcileSeconds !== null) w.metric('lvs_agent_last_reconcile_timestamp_seconds', 'gauge', 'When the last reconcile pass finished.', a.lastReconcileSeconds);
  w.metric('lvs_agent_stats_samples_dropped_total', 'counter', 'Stats samples dropped because the control plane was unreachable too long.', a.statsDropped);
  w.metric('lvs_agent_stats_read_errors_total', 'counter', 'Failed stats reads.', a.statsErrors);
  w.metric('lvs_agent_stats_skipped_ticks_total', 'counter', 'Stats ticks skipped because the previous sample was still being read.', a.statsSkippedTicks);
  if (a.statsSampleSeconds !== null) w.metric('lvs_agent_stats_sample_duration_seconds', 'gauge', 'How long the last stats sample took to read.', a.statsSampleSeconds);
  return w.text();
}

/** Serve GET /metrics on the given port; resolves once listening. */
export function serveMetrics(port: number, host: string, render: () => Promise<string>): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/metrics') {
      let body: string;
      try {
        body = await render();
      } catch (e) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${(e as Error).message}\n`);
        return;
      }
      res.writeHead(200, { 'Content-Type': register.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } else if (url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('see /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
