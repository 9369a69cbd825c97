// The stats store: per-second series (up to the last hour) per director, service and real server,
// in rings (stats-ring.ts) for live charts and tables, and their minute rollups (stats-rollups.ts)
// persisted with a retention. Queries live in stats-queries.ts. With several processes, the one
// that receives an agent's batch persists its rollups and shares the per-second rows with the
// others over the bus, so browsers anywhere see every director.
//
// Started once per server process (`start()`, from lib/server/start.ts): it then hears the other
// processes' rows and runs its timers (close quiet minutes, prune, forget silent series).
import type { CurrentStats, StatsPoint, StatsResponse } from '../api/schemas';
import { CHART_FIELDS, FIELD, STATS_FIELDS, type StatsRow } from '../api/stats-fields';
import { splitServerKeyId } from '../ipvs/keys';
import type { StatsSnapshot } from '../ipvs/stats';
import { snapshotRows } from '../protocol/stats-wire';
import { bus } from './bus';
import { metrics } from './metrics';
import { settings } from './settings';
import { Ring, W } from './stats-ring';
import { accumulate, C, persistRollups, pruneRollups, takeClosed, type RollupState } from './stats-rollups';
import { StatsQueries, type CurrentRows, type Scope } from './stats-queries';

export { STALE_SECONDS, TOTAL_KEY, serverKeyLabel, serviceKeyLabel, type Scope } from './stats-queries';

const LIVE_SECONDS = settings().LVS_STATS_LIVE_SECONDS;
export const RETENTION_DAYS = settings().LVS_STATS_RETENTION_DAYS;
/** where each chart field sits in a row's values */
const CHART_AT = CHART_FIELDS.map((f) => FIELD[f]);

/** Everything kept for one series: found with one map lookup per row of a sample. */
interface Series extends RollupState {
  ring: Ring;
  /** a real server's series (key service#server), not a service's or the totals */
  server: boolean;
  /** the newest point exactly, STATS_FIELDS order (tables show persistConns, which charts do not) */
  now: Float64Array;
}

interface DirectorStats {
  clusterId: string;
  series: Map<string, Series>;
  /** the minute being accumulated; a sample of a later minute closes it for every series */
  minute: number;
  lastSec: number;
}

type Director = { id: string; name: string };

class StatsStore {
  private directors = new Map<string, DirectorStats>();
  private readonly q = new StatsQueries(this.directors);
  private stopFns: (() => void)[] = [];

  constructor() {
    metrics.statsSeries.readBy(() => this.seriesCount());
  }

  /** Hear the other processes, run the timers. Idempotent; returns when the bus listens. */
  async start(): Promise<void> {
    if (!this.stopFns.length) this.begin();
    await bus.start();
  }

  private begin(): void {
    this.stopFns.push(
      bus.on('stats-rows', (m, remote) => {
        if (!remote) return;
        const d = this.dir(m.directorId, m.clusterId);
        for (const s of m.samples) this.store(d, s.t, s.rows, null);
      }),
    );
    const timers = [
      setInterval(() => void this.flushOld().catch(logErr('flush rollups')), 30_000),
      setInterval(() => void this.prune().catch(logErr('prune rollups')), 3600_000),
      setInterval(() => this.sweep(), 60_000),
    ];
    for (const t of timers) t.unref();
    this.stopFns.push(() => timers.forEach(clearInterval));
    void this.prune().catch(logErr('prune rollups'));
  }

  /** Tests and shutdown. */
  stop(): void {
    for (const f of this.stopFns.splice(0)) f();
  }

  /** Per-second series held in memory (a metric). */
  seriesCount(): number {
    let n = 0;
    for (const d of this.directors.values()) n += d.series.size;
    return n;
  }

  /** Samples as the older `snapshots` batch carries them (tests, benches): their rows, then ingestRows. */
  ingest(directorId: string, clusterId: string, samples: StatsSnapshot[]): Promise<number> {
    return this.ingestRows(directorId, clusterId, samples.map(rowSampleOf));
  }

  /** An agent's batch, admitted (stats-admission.ts): store the points, roll up the minutes, share with the other processes. */
  async ingestRows(directorId: string, clusterId: string, samples: RowSample[]): Promise<number> {
    const out: { t: number; rows: StatsRow[] }[] = [];
    const flushes: Promise<void>[] = [];
    const d = this.dir(directorId, clusterId);
    for (const s of [...samples].sort((a, b) => a.at - b.at)) {
      const sec = Math.floor(s.at / 1000);
      const minute = Math.floor(sec / 60);
      if (minute > d.minute) {
        flushes.push(persistRollups(directorId, takeClosed(d.series, minute)));
        d.minute = minute;
      }
      // a sample of a minute already written still feeds the live series, not the rollups
      this.store(d, sec, s.rows, minute === d.minute ? s.counters : null);
      out.push({ t: sec, rows: s.rows });
    }
    metrics.statsSamples.inc(samples.length);
    await Promise.all(flushes);
    if (out.length) await bus.publish({ k: 'stats-rows', directorId, clusterId, samples: out }, { local: false });
    return samples.length;
  }

  private dir(directorId: string, clusterId: string): DirectorStats {
    let d = this.directors.get(directorId);
    if (!d) this.directors.set(directorId, (d = { clusterId, series: new Map(), minute: 0, lastSec: 0 }));
    d.clusterId = clusterId;
    return d;
  }

  /** Rows into the rings; with `counters` (C per row) also into the open minute's rollups. */
  private store(d: DirectorStats, sec: number, rows: StatsRow[], counters: Float64Array | null): void {
    const vals = new Float64Array(W);
    const minute = Math.floor(sec / 60);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      let ser = d.series.get(r[0]);
      if (!ser) d.series.set(r[0], (ser = { ring: new Ring(LIVE_SECONDS), server: splitServerKeyId(r[0]) !== null, acc: null, prev: null, now: new Float64Array(STATS_FIELDS.length) }));
      for (let m = 0; m < W; m++) vals[m] = r[1 + CHART_AT[m]!] as number;
      ser.ring.push(sec, vals);
      if (ser.ring.last === sec) for (let f = 0; f < STATS_FIELDS.length; f++) ser.now[f] = r[1 + f] as number;
      if (counters) accumulate(ser, minute, vals, counters, i * C);
    }
    d.lastSec = Math.max(d.lastSec, sec);
  }

  /** Write minutes that ended more than 90 s ago (the agent went quiet, so no next minute closes them). */
  async flushOld(nowMs = Date.now()): Promise<void> {
    const limit = Math.floor((nowMs / 1000 - 90) / 60);
    await Promise.all([...this.directors].map(([id, d]) => (d.minute >= limit ? undefined : persistRollups(id, takeClosed(d.series, limit)))));
  }

  /** Every open minute, now (tests, shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.directors].map(([id, d]) => persistRollups(id, takeClosed(d.series, Infinity))));
  }

  /** Delete rollups older than the retention. Returns how many rows went. */
  prune(nowMs = Date.now(), days = RETENTION_DAYS): Promise<number> {
    return pruneRollups(nowMs, days);
  }

  /** Forget series that have been silent for longer than the live window. */
  private sweep(nowSec = Date.now() / 1000): void {
    for (const [id, d] of this.directors) {
      for (const [k, ser] of d.series) if (ser.ring.last < nowSec - LIVE_SECONDS && !ser.acc) d.series.delete(k);
      if (!d.series.size) this.directors.delete(id);
    }
  }

  // ---- queries (stats-queries.ts) ------------------------------------------------------------

  /** The newest second this director delivered (null: none held), for its status. */
  lastSecond(directorId: string): number | null {
    return this.directors.get(directorId)?.lastSec || null;
  }
  live(scope: Scope, directors: Director[], rangeSeconds: number, nowMs = Date.now()): StatsResponse {
    return this.q.live(scope, directors, rangeSeconds, nowMs);
  }
  readySecond(scope: Scope, directors: Director[], nowMs = Date.now()): number {
    return this.q.readySecond(scope, directors, nowMs);
  }
  sample(scope: Scope, directors: Director[], sec: number): { total: StatsPoint | null; breakdown: { key: string; label: string; point: StatsPoint }[] } {
    return this.q.sample(scope, directors, sec);
  }
  liveTotals(directorIds: string[], nowMs = Date.now()) {
    return this.q.liveTotals(directorIds, nowMs);
  }
  meanCps(directorIds: string[], fromSec: number, toSec: number): number | null {
    return this.q.meanCps(directorIds, fromSec, toSec);
  }
  currentRows(clusterId: string, servers: boolean, nowMs = Date.now()): CurrentRows {
    return this.q.currentRows(clusterId, servers, nowMs);
  }
  connections(directorId: string, nowMs = Date.now()): { t: number; conns: Map<string, number> } | null {
    return this.q.connections(directorId, nowMs);
  }
  current(clusterId: string, servers: boolean, nowMs = Date.now()): CurrentStats {
    return this.q.current(clusterId, servers, nowMs);
  }
  history(scope: Scope, directors: Director[], range: '1h' | '24h' | '7d' | '30d', nowMs = Date.now()): Promise<StatsResponse> {
    return this.q.history(scope, directors, range, nowMs);
  }

  /** Tests. */
  reset(): void {
    this.directors.clear();
  }
}

/**
 * One second of a director as the store takes it: its rows (the totals, each service, each real
 * server; values in STATS_FIELDS order) and, C per row in the same order, their cumulative counters
 * (COUNTER_FIELDS) for the rollups.
 */
export interface RowSample {
  at: number;
  rows: StatsRow[];
  counters: Float64Array;
}

/** A store row and its counters from a wire row's numbers (STATS_ROW_FIELDS: STATS_FIELDS, then COUNTER_FIELDS). */
export function storeRow(key: string, wire: readonly number[]): StatsRow {
  const row = new Array<string | number>(1 + N);
  row[0] = key;
  for (let f = 0; f < N; f++) row[1 + f] = wire[f]!;
  return row as StatsRow;
}
const N = STATS_FIELDS.length;

/** One sample of the `snapshots` shape as the store's rows (the agent's `rows` shape is made of the same rows). */
export function rowSampleOf(s: StatsSnapshot): RowSample {
  const rows: StatsRow[] = [];
  const counters: number[] = [];
  snapshotRows(s, (key, wire) => {
    rows.push(storeRow(key, wire));
    for (let k = 0; k < C; k++) counters.push(wire[N + k]!);
  });
  return { at: s.at, rows, counters: Float64Array.from(counters) };
}

function logErr(what: string) {
  return (e: unknown) => console.error(`[lvs-console] stats: ${what} failed:`, (e as Error).message ?? e);
}

const g = globalThis as typeof globalThis & { __lvsStats?: StatsStore };
export const statsStore: StatsStore = (g.__lvsStats ??= new StatsStore());
