// The stats store. In memory: per-second series (up to the last hour) per director, service and
// real server, in fixed-size typed-array rings, for live charts. Persisted: minute rollups
// (counter deltas, averaged gauges and rates) with a retention (default 30 days) and a pruning job.
// With several processes, the one that receives an agent's batch persists its rollups and shares
// the per-second points with the others over the bus, so browsers anywhere see every director.
import { join, raw, sqltag as sql } from '@prisma/client/runtime/client';
import type { CurrentStats, StatsPoint, StatsResponse, StatsSeries } from '../api/schemas';
import { STATS_FIELDS } from '../api/stats-fields';
import { serviceLabel } from '../ipvs/model';
import { parseRealServerKeyId, parseServiceKeyId, realServerKeyId, serverKeyId, serviceKeyId, splitServerKeyId } from '../ipvs/keys';
import type { StatsSnapshot } from '../ipvs/stats';
import { formatHostPort } from '../ipvs/addr';
import { bus, type StatsRow } from './bus';
import { db, dbTarget } from './db';
import { writeRollups, type RollupRow } from './rollup-writer';
import { metrics } from './metrics';
import { settings } from './settings';

/** values per point: activeConns, inactConns, cps, inpps, outpps, inbps, outbps */
const M = 7;
const LIVE_SECONDS = settings().LVS_STATS_LIVE_SECONDS;
export const RETENTION_DAYS = settings().LVS_STATS_RETENTION_DAYS;
/** A director silent for longer is left out of sums of "now" (its numbers are no longer true). */
export const STALE_SECONDS = 10;

/** A ring of per-second points; grows by doubling up to LIVE_SECONDS so idle series stay small. */
class Ring {
  private t = new Float64Array(16);
  private v = new Float32Array(16 * M);
  private start = 0;
  len = 0;

  get last(): number {
    return this.len ? this.t[(this.start + this.len - 1) % this.t.length]! : -Infinity;
  }

  push(sec: number, vals: ArrayLike<number>): void {
    if (this.len && sec <= this.last) {
      if (sec === this.last) this.write((this.start + this.len - 1) % this.t.length, sec, vals);
      return; // older than what we have: a late duplicate
    }
    if (this.len === this.t.length) {
      if (this.t.length < LIVE_SECONDS) this.grow();
      else {
        this.start = (this.start + 1) % this.t.length;
        this.len--;
      }
    }
    this.write((this.start + this.len) % this.t.length, sec, vals);
    this.len++;
    // drop what fell out of the window even when the ring is not full (after a pause)
    while (this.len && this.t[this.start]! <= sec - LIVE_SECONDS) {
      this.start = (this.start + 1) % this.t.length;
      this.len--;
    }
  }

  private write(i: number, sec: number, vals: ArrayLike<number>) {
    this.t[i] = sec;
    for (let m = 0; m < M; m++) this.v[i * M + m] = vals[m] ?? 0;
  }

  private grow() {
    const cap = Math.min(LIVE_SECONDS, this.t.length * 2);
    const t = new Float64Array(cap);
    const v = new Float32Array(cap * M);
    for (let k = 0; k < this.len; k++) {
      const i = (this.start + k) % this.t.length;
      t[k] = this.t[i]!;
      v.set(this.v.subarray(i * M, i * M + M), k * M);
    }
    this.t = t;
    this.v = v;
    this.start = 0;
  }

  /** Visit points with from <= t < to, oldest first. */
  forEach(from: number, to: number, fn: (sec: number, v: Float32Array, off: number) => void): void {
    // binary search for the first point >= from
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[(this.start + mid) % this.t.length]! < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.len; k++) {
      const i = (this.start + k) % this.t.length;
      const sec = this.t[i]!;
      if (sec >= to) break;
      fn(sec, this.v, i * M);
    }
  }

  bytes(): number {
    return this.t.byteLength + this.v.byteLength;
  }
}

/** The open minute of one series (only in the process that receives the agent's batches). */
interface RollupAcc {
  minute: number;
  n: number;
  sums: Float64Array; // M gauges/rates
  deltas: Float64Array; // conns, inPkts, outPkts, inBytes, outBytes
}

/** Everything kept for one series: found with one map lookup per row of a sample. */
interface Series {
  ring: Ring;
  acc: RollupAcc | null;
  /** the last cumulative counters, for deltas */
  prev: Float64Array | null;
  /**
   * The newest point exactly (the ring's float32 rounds bytes/s above 16 M) plus PersistConn, which
   * only tables show: M values in ring order, then persistConns.
   */
  now: Float64Array;
}

interface DirectorStats {
  clusterId: string;
  series: Map<string, Series>;
  /** the minute being accumulated; a sample of a later minute closes it for every series */
  minute: number;
  lastSec: number;
}

export const TOTAL_KEY = '';
export const serverSeriesKey = serverKeyId;

/** "tcp|10.0.0.1|80" -> "TCP 10.0.0.1:80" */
export function serviceKeyLabel(key: string): string {
  const svc = parseServiceKeyId(key);
  return svc ? serviceLabel(svc) : key;
}
/** "10.0.1.1|80" -> "10.0.1.1:80" */
export function serverKeyLabel(key: string): string {
  const rs = parseRealServerKeyId(key);
  return rs ? formatHostPort(rs.address, rs.port) : key;
}

type Source = { directorId: string; key: string };
type Group = { key: string; label: string; sources: Source[] };

export type Scope = { director?: { id: string; name: string }; service?: string; server?: string };

class StatsStore {
  private directors = new Map<string, DirectorStats>();
  private timers: NodeJS.Timeout[] = [];
  private initialized = false;

  private init(): void {
    if (this.initialized) return;
    this.initialized = true;
    bus.on('stats', (m, remote) => {
      if (!remote) return;
      const d = this.dir(m.directorId, m.clusterId);
      for (const s of m.samples) this.store(d, s.t, s.rows, null);
    });
    this.timers.push(
      setInterval(() => void this.flushOld().catch(logErr('flush rollups')), 30_000),
      setInterval(() => void this.prune().catch(logErr('prune rollups')), 3600_000),
      setInterval(() => this.sweep(), 60_000),
    );
    for (const t of this.timers) t.unref();
    void this.prune().catch(logErr('prune rollups'));
    metrics.gauges.lvs_stats_series = () => [[{}, [...this.directors.values()].reduce((n, d) => n + d.series.size, 0)]];
  }

  /** Make sure this process hears stats received by the others (browser streams call this). */
  async listen(): Promise<void> {
    this.init();
    await bus.start();
  }

  /** An agent's batch: store the points, roll up the minutes, share with the other processes. */
  async ingest(directorId: string, clusterId: string, samples: StatsSnapshot[]): Promise<number> {
    this.init();
    const out: { t: number; rows: StatsRow[] }[] = [];
    const flushes: Promise<void>[] = [];
    const d = this.dir(directorId, clusterId);
    for (const s of [...samples].sort((a, b) => a.at - b.at)) {
      const sec = Math.floor(s.at / 1000);
      const minute = Math.floor(sec / 60);
      if (minute > d.minute) {
        const closing = this.takeAccs(d, minute);
        if (closing.length) flushes.push(this.persist(directorId, closing));
        d.minute = minute;
      }
      const { rows, counters } = rowsOf(s);
      // a sample of a minute already written still feeds the live series, not the rollups
      this.store(d, sec, rows, minute === d.minute ? counters : null);
      out.push({ t: sec, rows });
    }
    metrics.statsSamples.inc({}, samples.length);
    await Promise.all(flushes);
    if (out.length) await bus.publish({ k: 'stats', directorId, clusterId, samples: out }, { local: false });
    return samples.length;
  }

  private dir(directorId: string, clusterId: string): DirectorStats {
    let d = this.directors.get(directorId);
    if (!d) this.directors.set(directorId, (d = { clusterId, series: new Map(), minute: 0, lastSec: 0 }));
    d.clusterId = clusterId;
    return d;
  }

  /** Points into the rings; with `counters` (5 per row) also into the open minute's rollups. */
  private store(d: DirectorStats, sec: number, rows: StatsRow[], counters: Float64Array | null): void {
    const vals = new Float64Array(M);
    const minute = Math.floor(sec / 60);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      let ser = d.series.get(r[0]);
      if (!ser) d.series.set(r[0], (ser = { ring: new Ring(), acc: null, prev: null, now: new Float64Array(M + 1) }));
      for (let m = 0; m < M; m++) vals[m] = r[m + 1] as number;
      ser.ring.push(sec, vals);
      if (ser.ring.last === sec) {
        ser.now.set(vals);
        ser.now[M] = r[8] ?? 0; // rows from an older process lack it
      }
      if (!counters) continue;
      const acc = (ser.acc ??= { minute, n: 0, sums: new Float64Array(M), deltas: new Float64Array(5) });
      acc.n++;
      for (let m = 0; m < M; m++) acc.sums[m]! += vals[m]!;
      const o = i * 5;
      if (ser.prev) {
        // a counter that went down was reset (ipvsadm -Z, agent or kernel restart): count from zero
        for (let k = 0; k < 5; k++) {
          const cur = counters[o + k]!;
          const prev = ser.prev[k]!;
          acc.deltas[k]! += cur >= prev ? cur - prev : cur;
        }
      } else ser.prev = new Float64Array(5);
      ser.prev.set(counters.subarray(o, o + 5));
    }
    d.lastSec = Math.max(d.lastSec, sec);
  }

  /** Detach the open rollups of minutes before `beforeMinute` (Infinity: all). */
  private takeAccs(d: DirectorStats, beforeMinute: number): [string, RollupAcc][] {
    const out: [string, RollupAcc][] = [];
    for (const [k, ser] of d.series) {
      if (ser.acc && ser.acc.minute < beforeMinute) {
        out.push([k, ser.acc]);
        ser.acc = null;
      }
    }
    return out;
  }

  /** Write minutes that ended more than 90 s ago (the agent went quiet, so no next minute closes them). */
  async flushOld(nowMs = Date.now()): Promise<void> {
    const limit = Math.floor((nowMs / 1000 - 90) / 60);
    await Promise.all(
      [...this.directors].map(([id, d]) => {
        if (d.minute >= limit) return Promise.resolve();
        const closing = this.takeAccs(d, limit);
        return closing.length ? this.persist(id, closing) : Promise.resolve();
      }),
    );
  }

  /** Every open minute, now (tests, shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all(
      [...this.directors].map(([id, d]) => {
        const closing = this.takeAccs(d, Infinity);
        return closing.length ? this.persist(id, closing) : Promise.resolve();
      }),
    );
  }

  private async persist(directorId: string, accs: [string, RollupAcc][]): Promise<void> {
    const rows: RollupRow[] = accs.map(([key, a]) => {
      const ids = splitServerKeyId(key);
      const avg = (m: number) => a.sums[m]! / Math.max(1, a.n);
      return {
        directorId,
        serviceKey: ids ? ids.service : key,
        destKey: ids ? ids.server : '',
        minute: a.minute,
        conns: a.deltas[0]!,
        inPkts: a.deltas[1]!,
        outPkts: a.deltas[2]!,
        inBytes: a.deltas[3]!,
        outBytes: a.deltas[4]!,
        activeConns: avg(0),
        inactConns: avg(1),
        cps: avg(2),
        inpps: avg(3),
        outpps: avg(4),
        inbps: avg(5),
        outbps: avg(6),
        samples: a.n,
      };
    });
    await writeRollups(dbTarget(), rows);
  }

  /** Delete rollups older than the retention. Returns how many rows went. */
  async prune(nowMs = Date.now(), days = RETENTION_DAYS): Promise<number> {
    const prisma = await db();
    const r = await prisma.statsRollup.deleteMany({ where: { minute: { lt: Math.floor(nowMs / 60_000) - days * 1440 } } });
    return r.count;
  }

  /** Forget series that have been silent for longer than the live window. */
  private sweep(nowSec = Date.now() / 1000): void {
    for (const [id, d] of this.directors) {
      for (const [k, ser] of d.series) if (ser.ring.last < nowSec - LIVE_SECONDS && !ser.acc) d.series.delete(k);
      if (!d.series.size) this.directors.delete(id);
    }
  }

  // ---- queries -----------------------------------------------------------------------------

  /** The sources behind a chart: what sums into the total, and what each breakdown line sums. */
  private groups(scope: Scope, directors: { id: string; name: string }[]): { total: Source[]; breakdown: Group[] } {
    const ds = scope.director ? [scope.director] : directors;
    const { service, server } = scope;
    if (service && server) {
      const key = serverSeriesKey(service, server);
      return { total: ds.map((d) => ({ directorId: d.id, key })), breakdown: ds.map((d) => ({ key: d.id, label: d.name, sources: [{ directorId: d.id, key }] })) };
    }
    if (service) {
      const servers = new Set<string>();
      for (const d of ds) for (const k of this.directors.get(d.id)?.series.keys() ?? []) { const ids = splitServerKeyId(k); if (ids?.service === service) servers.add(ids.server); }
      return {
        total: ds.map((d) => ({ directorId: d.id, key: service })),
        breakdown: [...servers].sort().map((rs) => ({ key: rs, label: serverKeyLabel(rs), sources: ds.map((d) => ({ directorId: d.id, key: serverSeriesKey(service, rs) })) })),
      };
    }
    if (scope.director) {
      const d = scope.director;
      const services = [...(this.directors.get(d.id)?.series.keys() ?? [])].filter((k) => k !== TOTAL_KEY && splitServerKeyId(k) === null).sort();
      return { total: [{ directorId: d.id, key: TOTAL_KEY }], breakdown: services.map((s) => ({ key: s, label: serviceKeyLabel(s), sources: [{ directorId: d.id, key: s }] })) };
    }
    return {
      total: ds.map((d) => ({ directorId: d.id, key: TOTAL_KEY })),
      breakdown: ds.map((d) => ({ key: d.id, label: d.name, sources: [{ directorId: d.id, key: TOTAL_KEY }] })),
    };
  }

  /** Points on the grid [from, to) with `step`-second buckets: each source averaged per bucket, sources summed. */
  private collect(sources: Source[], from: number, to: number, step: number): StatsPoint[] {
    const n = Math.ceil((to - from) / step);
    const sum = new Float64Array(n * M);
    const has = new Uint8Array(n);
    const acc = new Float64Array(n * M);
    const cnt = new Uint32Array(n);
    for (const src of sources) {
      const ring = this.directors.get(src.directorId)?.series.get(src.key)?.ring;
      if (!ring) continue;
      acc.fill(0);
      cnt.fill(0);
      ring.forEach(from, to, (sec, v, off) => {
        const b = Math.floor((sec - from) / step);
        cnt[b]!++;
        for (let m = 0; m < M; m++) acc[b * M + m]! += v[off + m]!;
      });
      for (let b = 0; b < n; b++) {
        if (!cnt[b]) continue;
        has[b] = 1;
        for (let m = 0; m < M; m++) sum[b * M + m]! += acc[b * M + m]! / cnt[b]!;
      }
    }
    const out: StatsPoint[] = [];
    for (let b = 0; b < n; b++) if (has[b]) out.push(point((from + b * step) * 1000, sum, b * M));
    return out;
  }

  live(scope: Scope, directors: { id: string; name: string }[], rangeSeconds: number, nowMs = Date.now()): StatsResponse {
    this.init();
    const step = Math.max(1, Math.ceil(rangeSeconds / 300));
    const to = Math.floor(nowMs / 1000 / step) * step + step;
    const from = to - Math.ceil(rangeSeconds / step) * step;
    const g = this.groups(scope, directors);
    g.breakdown = this.busiest(g.breakdown);
    const series = (key: string, label: string, sources: Source[]): StatsSeries => ({ key, label, points: this.collect(sources, from, to, step) });
    return {
      range: `${rangeSeconds}s`,
      step,
      from: from * 1000,
      to: to * 1000,
      total: series('total', 'total', g.total),
      breakdown: limitBreakdown(g.breakdown.map((b) => series(b.key, b.label, b.sources))),
    };
  }

  /** The newest second every reporting source has reached (so a sum never misses a late director). */
  readySecond(scope: Scope, directors: { id: string; name: string }[], nowMs = Date.now()): number {
    const ds = scope.director ? [scope.director] : directors;
    const nowSec = Math.floor(nowMs / 1000);
    let ready = Infinity;
    for (const d of ds) {
      const st = this.directors.get(d.id);
      if (!st || st.lastSec < nowSec - STALE_SECONDS) continue; // silent: do not wait for it
      ready = Math.min(ready, st.lastSec);
    }
    return ready === Infinity ? nowSec - STALE_SECONDS : ready;
  }

  /** The breakdown lines a chart can show: with more than BREAKDOWN_LIMIT, the busiest by their latest point. */
  private busiest(groups: Group[]): Group[] {
    if (groups.length <= BREAKDOWN_LIMIT) return groups;
    const weight = (g: Group) => {
      let w = 0;
      for (const src of g.sources) {
        const ring = this.directors.get(src.directorId)?.series.get(src.key)?.ring;
        if (ring) ring.forEach(ring.last, ring.last + 1, (_s, v, off) => (w += v[off + 2]! * 1000 + v[off]!));
      }
      return w;
    };
    return groups
      .map((g) => ({ g, w: weight(g) }))
      .sort((a, b) => b.w - a.w || a.g.key.localeCompare(b.g.key))
      .slice(0, BREAKDOWN_LIMIT)
      .map((x) => x.g)
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  /** One second of a scope, for the browser stream. */
  sample(scope: Scope, directors: { id: string; name: string }[], sec: number): { total: StatsPoint | null; breakdown: { key: string; label: string; point: StatsPoint }[] } {
    const g = this.groups(scope, directors);
    g.breakdown = this.busiest(g.breakdown);
    const total = this.collect(g.total, sec, sec + 1, 1)[0] ?? null;
    const breakdown = g.breakdown.flatMap((b) => {
      const p = this.collect(b.sources, sec, sec + 1, 1)[0];
      return p ? [{ key: b.key, label: b.label, point: p }] : [];
    });
    return { total, breakdown: breakdown.slice(0, BREAKDOWN_LIMIT) };
  }

  /** For the clusters overview: current totals and a 5-minute cps sparkline. */
  liveTotals(directorIds: string[], nowMs = Date.now()) {
    const sources = directorIds.map((directorId) => ({ directorId, key: TOTAL_KEY }));
    const nowSec = Math.floor(nowMs / 1000);
    const recent = this.collect(sources, nowSec - 5, nowSec + 1, 6)[0];
    const spark = this.collect(sources, nowSec - 300, nowSec, 10);
    const grid = new Map(spark.map((p) => [p.t, p.cps]));
    const start = (nowSec - 300) * 1000;
    return {
      activeConns: recent?.activeConns ?? 0,
      inactConns: recent?.inactConns ?? 0,
      cps: recent?.cps ?? 0,
      inbps: recent?.inbps ?? 0,
      outbps: recent?.outbps ?? 0,
      cpsSpark: Array.from({ length: 30 }, (_, i) => grid.get(start + i * 10_000) ?? 0),
    };
  }

  /**
   * Every service of a cluster and (with `servers`) every real server, at each reporting director's
   * newest second, summed over the directors: what a table shows, uncapped, in one pass over the series.
   */
  current(clusterId: string, servers: boolean, nowMs = Date.now()): CurrentStats {
    this.init();
    const nowSec = Math.floor(nowMs / 1000);
    const services = new Map<string, Float64Array>();
    const realServers = new Map<string, Map<string, Float64Array>>();
    // M ring values, then persistConns
    const slot = (m: Map<string, Float64Array>, k: string) => {
      let a = m.get(k);
      if (!a) m.set(k, (a = new Float64Array(M + 1)));
      return a;
    };
    let oldest = Infinity;
    let directors = 0;
    for (const d of this.directors.values()) {
      if (d.clusterId !== clusterId || d.lastSec < nowSec - STALE_SECONDS) continue;
      directors++;
      oldest = Math.min(oldest, d.lastSec);
      for (const [k, ser] of d.series) {
        // a series missing from the director's newest sample has left (a removed service or server)
        if (k === TOTAL_KEY || ser.ring.last !== d.lastSec) continue;
        const ids = splitServerKeyId(k);
        let acc: Float64Array;
        if (!ids) acc = slot(services, k);
        else if (!servers) continue;
        else {
          let m = realServers.get(ids.service);
          if (!m) realServers.set(ids.service, (m = new Map()));
          acc = slot(m, ids.server);
        }
        for (let m = 0; m <= M; m++) acc[m]! += ser.now[m]!;
      }
    }
    const r = (x: number) => Math.round(x * 100) / 100;
    // ring order (activeConns, inactConns, cps, inpps, outpps, inbps, outbps) -> CURRENT_STATS_FIELDS
    const values = (v: Float64Array): CurrentStats['services'][string] => [r(v[0]!), r(v[1]!), v[M]!, r(v[2]!), r(v[3]!), r(v[4]!), r(v[5]!), r(v[6]!)];
    const out: CurrentStats = { t: directors ? oldest * 1000 : null, directors, fields: [...STATS_FIELDS], services: {}, realServers: {} };
    for (const [k, v] of services) out.services[k] = values(v);
    for (const [svc, m] of realServers) {
      const o: Record<string, CurrentStats['services'][string]> = (out.realServers[svc] = {});
      for (const [k, v] of m) o[k] = values(v);
    }
    return out;
  }

  /** Minute rollups over a range, bucketed in SQL (integer minutes group the same in SQLite and PostgreSQL). */
  async history(scope: Scope, directors: { id: string; name: string }[], range: '1h' | '24h' | '7d' | '30d', nowMs = Date.now()): Promise<StatsResponse> {
    const { minutes, stepMin } = HISTORY[range];
    const toMin = Math.floor(nowMs / 60_000) + 1;
    const fromMin = Math.floor((toMin - minutes) / stepMin) * stepMin;
    const ds = scope.director ? [scope.director] : directors;
    const g = this.groups(scope, directors);
    const prisma = await db();
    const keyFilter =
      scope.service && scope.server
        ? sql`"serviceKey" = ${scope.service} AND "destKey" = ${scope.server}`
        : scope.service
          ? sql`"serviceKey" = ${scope.service}`
          : scope.director
            ? sql`"destKey" = ''`
            : sql`"serviceKey" = ''`;
    type Row = { d: string; s: string; r: string; b: number | bigint; a: number; i: number; cps: number; inpps: number; outpps: number; inbps: number; outbps: number };
    const rows = ds.length
      ? await prisma.$queryRaw<Row[]>(sql`
          SELECT "directorId" AS d, "serviceKey" AS s, "destKey" AS r, ("minute" / ${raw(String(stepMin))}) * ${raw(String(stepMin))} AS b,
            CAST(AVG("activeConns") AS DOUBLE PRECISION) AS a, CAST(AVG("inactConns") AS DOUBLE PRECISION) AS i,
            CAST(AVG("cps") AS DOUBLE PRECISION) AS cps, CAST(AVG("inpps") AS DOUBLE PRECISION) AS inpps, CAST(AVG("outpps") AS DOUBLE PRECISION) AS outpps,
            CAST(AVG("inbps") AS DOUBLE PRECISION) AS inbps, CAST(AVG("outbps") AS DOUBLE PRECISION) AS outbps
          FROM "StatsRollup"
          WHERE "directorId" IN (${join(ds.map((d) => d.id))}) AND "minute" >= ${fromMin} AND "minute" < ${toMin} AND ${keyFilter}
          GROUP BY 1, 2, 3, 4`)
      : [];
    // (director, series key) -> bucket -> values
    const byKey = new Map<string, Map<number, number[]>>();
    const breakdownKeys = new Set<string>();
    for (const r of rows) {
      const key = r.r ? serverSeriesKey(r.s, r.r) : r.s;
      const k = `${r.d}\u0000${key}`;
      let m = byKey.get(k);
      if (!m) byKey.set(k, (m = new Map()));
      m.set(Number(r.b), [r.a, r.i, r.cps, r.inpps, r.outpps, r.inbps, r.outbps].map(Number));
      if (scope.service && !scope.server && r.r) breakdownKeys.add(r.r);
      if (scope.director && !scope.service && r.s && !r.r) breakdownKeys.add(r.s);
    }
    // the breakdown of history also covers servers/services that are no longer in memory
    const breakdown: Group[] = g.breakdown.slice();
    const known = new Set(breakdown.map((b) => b.key));
    for (const k of breakdownKeys) {
      if (known.has(k)) continue;
      if (scope.service) breakdown.push({ key: k, label: serverKeyLabel(k), sources: ds.map((d) => ({ directorId: d.id, key: serverSeriesKey(scope.service!, k) })) });
      else if (scope.director) breakdown.push({ key: k, label: serviceKeyLabel(k), sources: [{ directorId: scope.director.id, key: k }] });
    }
    const sumOf = (sources: Source[]): StatsPoint[] => {
      const buckets = new Map<number, Float64Array>();
      for (const s of sources) {
        for (const [b, v] of byKey.get(`${s.directorId}\u0000${s.key}`) ?? []) {
          let acc = buckets.get(b);
          if (!acc) buckets.set(b, (acc = new Float64Array(M)));
          for (let m = 0; m < M; m++) acc[m]! += v[m]!;
        }
      }
      return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, v]) => point(b * 60_000, v, 0));
    };
    return {
      range,
      step: stepMin * 60,
      from: fromMin * 60_000,
      to: toMin * 60_000,
      total: { key: 'total', label: 'total', points: sumOf(g.total) },
      breakdown: limitBreakdown(breakdown.map((b) => ({ key: b.key, label: b.label, points: sumOf(b.sources) }))),
    };
  }

  /** The newest second this director delivered (null: none held), for its status. */
  lastSecond(directorId: string): number | null {
    return this.directors.get(directorId)?.lastSec || null;
  }

  /** Tests. */
  reset(): void {
    this.directors.clear();
  }
}

/** Range -> (minutes covered, minutes per point): at most ~360 points per line. */
const HISTORY = { '1h': { minutes: 60, stepMin: 1 }, '24h': { minutes: 1440, stepMin: 5 }, '7d': { minutes: 10080, stepMin: 30 }, '30d': { minutes: 43200, stepMin: 120 } } as const;

/** A chart legend stays readable: the busiest lines (by mean cps, then active) come first. */
const BREAKDOWN_LIMIT = 50;
function limitBreakdown(series: StatsSeries[]): StatsSeries[] {
  if (series.length <= BREAKDOWN_LIMIT) return series;
  const weight = (s: StatsSeries) => s.points.reduce((n, p) => n + p.cps * 1000 + p.activeConns, 0);
  return [...series].sort((a, b) => weight(b) - weight(a)).slice(0, BREAKDOWN_LIMIT);
}

function point(t: number, v: ArrayLike<number>, off: number): StatsPoint {
  const r = (x: number) => Math.round(x * 100) / 100;
  return { t, activeConns: r(v[off]!), inactConns: r(v[off + 1]!), cps: r(v[off + 2]!), inpps: r(v[off + 3]!), outpps: r(v[off + 4]!), inbps: r(v[off + 5]!), outbps: r(v[off + 6]!) };
}

/**
 * A snapshot as series rows (the director's totals, each service, each real server) and, five per
 * row, their cumulative counters (conns, inPkts, outPkts, inBytes, outBytes) for the rollups.
 */
export function rowsOf(s: StatsSnapshot): { rows: StatsRow[]; counters: Float64Array } {
  let n = 1;
  for (const svc of s.services) n += 1 + svc.realServers.length;
  const rows: StatsRow[] = new Array(n);
  const counters = new Float64Array(n * 5);
  let i = 0;
  const put = (row: StatsRow, c: { conns: number; inPkts: number; outPkts: number; inBytes: number; outBytes: number }) => {
    rows[i] = row;
    const o = i++ * 5;
    counters[o] = c.conns;
    counters[o + 1] = c.inPkts;
    counters[o + 2] = c.outPkts;
    counters[o + 3] = c.inBytes;
    counters[o + 4] = c.outBytes;
  };
  let ta = 0;
  let ti = 0;
  let tp = 0;
  for (const svc of s.services) {
    const sk = serviceKeyId(svc.service);
    let a = 0;
    let inact = 0;
    let pc = 0;
    for (const rs of svc.realServers) {
      a += rs.activeConns;
      inact += rs.inactConns;
      pc += rs.persistConns;
      const r = rs.rates;
      put([serverSeriesKey(sk, realServerKeyId(rs)), rs.activeConns, rs.inactConns, r.cps, r.inpps, r.outpps, r.inbps, r.outbps, rs.persistConns], rs.counters);
    }
    ta += a;
    ti += inact;
    tp += pc;
    const r = svc.rates;
    put([sk, a, inact, r.cps, r.inpps, r.outpps, r.inbps, r.outbps, pc], svc.counters);
  }
  const r = s.totals.rates;
  put([TOTAL_KEY, ta, ti, r.cps, r.inpps, r.outpps, r.inbps, r.outbps, tp], s.totals.counters);
  return { rows, counters };
}

function logErr(what: string) {
  return (e: unknown) => console.error(`[lvs-console] stats: ${what} failed:`, (e as Error).message ?? e);
}

const g = globalThis as typeof globalThis & { __lvsStats?: StatsStore };
export const statsStore: StatsStore = (g.__lvsStats ??= new StatsStore());
