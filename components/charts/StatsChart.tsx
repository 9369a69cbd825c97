'use client';
// Live and historical charts for a cluster, director, service or real server: connections,
// new connections/s, packets/s and traffic (bytes/s or bits/s), as a total or one line per
// breakdown key (director, service or real server) with a legend.
import { useMemo, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useHistoryStats } from '../data/queries';
import { dateTime, formatMetric, formatTick, timeTick, type Metric } from '../format';
import { useStatsStream, type StreamScope } from '../live/useStatsStream';
import { downsample, fromResponse, keysByLabel, latest, toRows, type Field, type SeriesState } from '../live/series';
import { useElementWidth } from '../ui/hooks';
import { ErrorState } from '../ui/states';
import { Segmented } from '../ui/segmented';
import styles from './charts.module.css';

type Kind = 'conns' | 'cps' | 'pps' | 'traffic';
type Range = 'live' | '1h' | '24h' | '7d' | '30d';

const KINDS: { id: Kind; label: string }[] = [
  { id: 'conns', label: 'Connections' },
  { id: 'cps', label: 'New conn/s' },
  { id: 'pps', label: 'Packets/s' },
  { id: 'traffic', label: 'Traffic' },
];
const RANGES: { id: Range; label: string; seconds: number }[] = [
  { id: 'live', label: 'Live 5 min', seconds: 300 },
  { id: '1h', label: '1 h', seconds: 3600 },
  { id: '24h', label: '24 h', seconds: 86400 },
  { id: '7d', label: '7 d', seconds: 7 * 86400 },
  { id: '30d', label: '30 d', seconds: 30 * 86400 },
];
export const PALETTE = ['#4ea1ff', '#3fb97a', '#e3a93b', '#c678dd', '#f0616d', '#56b6c2', '#d19a66', '#98c379', '#e06c9f', '#8b9cf7', '#61afef', '#be5046'];

export type StatsChartProps = {
  cluster: string;
  scope?: StreamScope;
  /** what one breakdown line is: "director", "service" or "real server" */
  breakdownLabel?: string;
  title?: string;
  height?: number;
};

export function StatsChart({ cluster, scope = {}, breakdownLabel, title = 'Traffic', height = 260 }: StatsChartProps) {
  const [kind, setKind] = useState<Kind>('cps');
  const [range, setRange] = useState<Range>('live');
  const [perKey, setPerKey] = useState(false);
  const [dir, setDir] = useState<'in' | 'out'>('in');
  const [bits, setBits] = useState(true);

  const live = useStatsStream(cluster, scope, { enabled: range === 'live' });
  const hist = useHistoryStats(cluster, { range: range as Exclude<Range, 'live'>, ...scope }, range !== 'live');
  const series: SeriesState | null = range === 'live' ? live.series : hist.data ? fromResponse(hist.data) : null;
  const version = range === 'live' ? live.version : hist.dataUpdatedAt;
  const rangeSeconds = RANGES.find((r) => r.id === range)!.seconds;
  const metric: Metric = kind === 'conns' ? 'conns' : kind === 'cps' ? 'cps' : kind === 'pps' ? 'pps' : bits ? 'bits' : 'bytes';
  const scale = kind === 'traffic' && bits ? 8 : 1;

  // one point per two pixels at most: more would be drawn over each other and cost a frame
  const plot = useRef<HTMLDivElement>(null);
  const width = useElementWidth(plot);
  type LineDef = { key: string; name: string; color: string; dashed?: boolean };
  const { rows: allRows, lines } = useMemo((): { rows: ReturnType<typeof toRows>; lines: LineDef[] } => {
    if (!series) return { rows: [], lines: [] };
    if (perKey && breakdownLabel) {
      const field: Field = kind === 'conns' ? 'activeConns' : kind === 'cps' ? 'cps' : kind === 'pps' ? (dir === 'in' ? 'inpps' : 'outpps') : dir === 'in' ? 'inbps' : 'outbps';
      const keys = keysByLabel(series);
      return {
        rows: toRows(series, { mode: 'breakdown', field, keys: keys.map((k) => k.key) }, scale),
        lines: keys.map((k, i) => ({ key: k.key, name: k.label, color: PALETTE[i % PALETTE.length]! })),
      };
    }
    const fields: { f: Field; name: string; color: string; dashed?: boolean }[] =
      kind === 'conns'
        ? [
            { f: 'activeConns', name: 'active', color: PALETTE[0]! },
            { f: 'inactConns', name: 'inactive', color: PALETTE[2]!, dashed: true },
          ]
        : kind === 'cps'
          ? [{ f: 'cps', name: 'new conn/s', color: PALETTE[0]! }]
          : kind === 'pps'
            ? [
                { f: 'inpps', name: 'in', color: PALETTE[0]! },
                { f: 'outpps', name: 'out', color: PALETTE[1]! },
              ]
            : [
                { f: 'inbps', name: 'in', color: PALETTE[0]! },
                { f: 'outbps', name: 'out', color: PALETTE[1]! },
              ];
    return {
      rows: toRows(series, { mode: 'total', fields: fields.map((x) => x.f) }, scale),
      lines: fields.map((x) => ({ key: x.f, name: x.name, color: x.color, dashed: x.dashed })),
    };
    // `version` changes when the buffer (mutated in place) does
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series, version, kind, perKey, dir, scale, breakdownLabel]);
  const rows = useMemo(() => (width > 0 ? downsample(allRows, width / 2) : allRows), [allRows, width]);

  const now = series
    ? {
        active: latest(series, 'activeConns'),
        inactive: latest(series, 'inactConns'),
        cps: latest(series, 'cps'),
        inbps: latest(series, 'inbps'),
        outbps: latest(series, 'outbps'),
      }
    : null;
  const unit = formatMetric(0, metric).replace(/^0 ?/, '') || 'connections';
  const statusText = range !== 'live' ? (hist.isFetching ? 'loading…' : `${hist.data?.step ?? '–'} s per point`) : live.status === 'live' ? 'live' : live.status;

  return (
    <section className={`card ${styles.chartCard}`} aria-label={title}>
      <div className={styles.head}>
        <h2>{title}</h2>
        <span className={`badge ${range === 'live' ? (live.status === 'live' ? 'ok' : 'warn') : ''}`} data-testid="chart-status">
          {range === 'live' && live.status === 'live' ? <span className={styles.pulse} /> : null}
          {statusText}
        </span>
        <span className="grow" />
        <Segmented label="Range" options={RANGES.map((r) => [r.id, r.label] as const)} value={range} onChange={setRange} />
      </div>
      <div className={styles.now} aria-label="Current values">
        <Readout label="active" value={now?.active ?? null} metric="conns" testid="now-active" />
        <Readout label="inactive" value={now?.inactive ?? null} metric="conns" testid="now-inactive" />
        <Readout label="new conn/s" value={now?.cps ?? null} metric="cps" testid="now-cps" />
        <Readout label="in" value={now?.inbps == null ? null : now.inbps * 8} metric="bits" testid="now-in" />
        <Readout label="out" value={now?.outbps == null ? null : now.outbps * 8} metric="bits" testid="now-out" />
      </div>
      <div className={styles.controls}>
        <Segmented label="Metric" options={KINDS.map((k) => [k.id, k.label] as const)} value={kind} onChange={setKind} />
        {breakdownLabel ? (
          <Segmented
            label="Breakdown"
            options={[
              [false, 'Total'],
              [true, `Per ${breakdownLabel}`],
            ]}
            value={perKey}
            onChange={setPerKey}
          />
        ) : null}
        {perKey && (kind === 'pps' || kind === 'traffic') ? (
          <Segmented
            label="Direction"
            options={[
              ['in', 'In'],
              ['out', 'Out'],
            ]}
            value={dir}
            onChange={setDir}
          />
        ) : null}
        {kind === 'traffic' ? (
          <Segmented
            label="Unit"
            options={[
              [true, 'bit/s'],
              [false, 'B/s'],
            ]}
            value={bits}
            onChange={setBits}
          />
        ) : null}
        {perKey && kind === 'conns' ? <span className="small faint">active connections</span> : null}
      </div>
      {range !== 'live' && hist.isError ? (
        <ErrorState error={hist.error} retry={() => hist.refetch()} />
      ) : (
        <div ref={plot} className={styles.plot} style={{ height }} data-testid="stats-chart" data-points={rows.length}>
          <div className={styles.unit}>{unit}</div>
          {rows.length === 0 ? (
            <div className={styles.noData}>
              {range === 'live' ? (live.status === 'live' ? 'No samples yet: is an agent reporting?' : 'Connecting to the live stream…') : hist.isPending ? 'Loading…' : 'No data in this range'}
            </div>
          ) : (
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={rows} margin={{ top: 18, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
                <XAxis
                  dataKey="t"
                  type="number"
                  scale="time"
                  domain={['dataMin', 'dataMax']}
                  tickFormatter={(t: number) => timeTick(t, rangeSeconds)}
                  stroke="var(--text-faint)"
                  tick={{ fontSize: 11, fill: 'var(--text-dim)' }}
                  minTickGap={48}
                />
                <YAxis tickFormatter={formatTick} stroke="var(--text-faint)" tick={{ fontSize: 11, fill: 'var(--text-dim)' }} width={48} allowDecimals={false} />
                <Tooltip
                  isAnimationActive={false}
                  contentStyle={{ background: 'var(--bg-raised)', border: '1px solid var(--border-strong)', borderRadius: 6, fontSize: 12 }}
                  labelStyle={{ color: 'var(--text-dim)' }}
                  labelFormatter={(t) => dateTime(Number(t))}
                  formatter={(v) => formatMetric(Number(v), metric)}
                />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                {lines.map((l) => (
                  <Line
                    key={l.key}
                    dataKey={l.key}
                    name={l.name}
                    stroke={l.color}
                    strokeWidth={1.6}
                    strokeDasharray={l.dashed ? '4 3' : undefined}
                    dot={false}
                    isAnimationActive={false}
                    connectNulls
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          )}
        </div>
      )}
    </section>
  );
}

function Readout({ label, value, metric, testid }: { label: string; value: number | null; metric: Metric; testid: string }) {
  return (
    <div className={styles.readout} data-testid={testid} data-value={value ?? ''}>
      <span className={styles.readoutValue}>{value === null ? '–' : formatMetric(value, metric)}</span>
      <span className={styles.readoutLabel}>{label}</span>
    </div>
  );
}
