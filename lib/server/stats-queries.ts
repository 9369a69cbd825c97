// What browsers ask of the stats store: chart series of a scope (live from the rings, history from
// the rollups), one second of a scope for the stream, the overview's totals and a cluster's table
// of current numbers. Reads only; the store (stats.ts) owns the data.
import { join, raw, sqltag as sql } from '@prisma/client/runtime/client';
import type { CurrentStats, StatsPoint, StatsResponse, StatsSeries } from '../api/schemas';
import { CHART_FIELDS, FIELD, STATS_FIELDS, round2, type StatsValues } from '../api/stats-fields';
import { formatHostPort } from '../ipvs/addr';
import { parseRealServerKeyId, parseServiceKeyId, serverKeyId, splitServerKeyId } from '../ipvs/keys';
import { serviceLabel } from '../ipvs/model';
import { db } from './db';
import { W, type Ring } from './stats-ring';
import { TOTAL_KEY } from '../protocol/stats-wire';

/** The series key of a director's totals (its row's key on the wire). */
export { TOTAL_KEY };
/** A director silent for longer is left out of sums of "now" (its numbers are no longer true). */
export const STALE_SECONDS = 10;
const N = STATS_FIELDS.length;

/** What the queries read of the store. */
export interface SeriesView {
  ring: Ring;
  /** a real server's series (service#server) */
  server: boolean;
  /** the newest point exactly, in STATS_FIELDS order (the ring's float32 rounds bytes/s above 16 M) */
  now: Float64Array;
}
export interface DirectorView {
  clusterId: string;
  lastSec: number;
  series: ReadonlyMap<string, SeriesView>;
}

export type Scope = { director?: { id: string; name: string }; service?: string; server?: string };
type Source = { directorId: string; key: string };
type Group = { key: string; label: string; sources: Source[] };
type Director = { id: string; name: string };

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

/** Range -> (minutes covered, minutes per point): at most ~360 points per line. */
const HISTORY = { '1h': { minutes: 60, stepMin: 1 }, '24h': { minutes: 1440, stepMin: 5 }, '7d': { minutes: 10080, stepMin: 30 }, '30d': { minutes: 43200, stepMin: 120 } } as const;

/** A chart legend stays readable: the busiest lines (by mean cps, then active) come first. */
const BREAKDOWN_LIMIT = 50;
const CPS = CHART_FIELDS.indexOf('cps');
const ACTIVE = CHART_FIELDS.indexOf('activeConns');

function limitBreakdown(series: StatsSeries[]): StatsSeries[] {
  if (series.length <= BREAKDOWN_LIMIT) return series;
  const weight = (s: StatsSeries) => s.points.reduce((n, p) => n + p.cps * 1000 + p.activeConns, 0);
  return [...series].sort((a, b) => weight(b) - weight(a)).slice(0, BREAKDOWN_LIMIT);
}

/** Chart values (CHART_FIELDS order) at v[off..] -> a point. */
function point(t: number, v: ArrayLike<number>, off: number): StatsPoint {
  const p = { t } as StatsPoint;
  CHART_FIELDS.forEach((f, m) => (p[f] = round2(v[off + m]!)));
  return p;
}

/** A cluster's current numbers as rows: services by serviceKeyId, real servers by serverKeyId. */
export interface CurrentRows {
  t: number | null;
  directors: number;
  rows: Map<string, StatsValues>;
}

export class StatsQueries {
  constructor(private readonly dirs: ReadonlyMap<string, DirectorView>) {}

  private ring(src: Source): Ring | undefined {
    return this.dirs.get(src.directorId)?.series.get(src.key)?.ring;
  }

  /** The sources behind a chart: what sums into the total, and what each breakdown line sums. */
  private groups(scope: Scope, directors: Director[]): { total: Source[]; breakdown: Group[] } {
    const ds = scope.director ? [scope.director] : directors;
    const { service, server } = scope;
    if (service && server) {
      const key = serverKeyId(service, server);
      return { total: ds.map((d) => ({ directorId: d.id, key })), breakdown: ds.map((d) => ({ key: d.id, label: d.name, sources: [{ directorId: d.id, key }] })) };
    }
    if (service) {
      const servers = new Set<string>();
      for (const d of ds) {
        for (const k of this.dirs.get(d.id)?.series.keys() ?? []) {
          const ids = splitServerKeyId(k);
          if (ids?.service === service) servers.add(ids.server);
        }
      }
      return {
        total: ds.map((d) => ({ directorId: d.id, key: service })),
        breakdown: [...servers].sort().map((rs) => ({ key: rs, label: serverKeyLabel(rs), sources: ds.map((d) => ({ directorId: d.id, key: serverKeyId(service, rs) })) })),
      };
    }
    if (scope.director) {
      const d = scope.director;
      const services = [...(this.dirs.get(d.id)?.series.keys() ?? [])].filter((k) => k !== TOTAL_KEY && splitServerKeyId(k) === null).sort();
      return { total: [{ directorId: d.id, key: TOTAL_KEY }], breakdown: services.map((s) => ({ key: s, label: serviceKeyLabel(s), sources: [{ directorId: d.id, key: s }] })) };
    }
    return {
      total: ds.map((d) => ({ directorId: d.id, key: TOTAL_KEY })),
      breakdown: ds.map((d) => ({ key: d.id, label: d.name, sources: [{ directorId: d.id, key: TOTAL_KEY }] })),
    };
  }

  /** Mean new connections per second of some directors' totals over [fromSec, toSec), summed over them (null: no numbers). */
  meanCps(directorIds: string[], fromSec: number, toSec: number): number | null {
    if (toSec <= fromSec || !directorIds.length) return null;
    const p = this.collect(
      directorIds.map((id) => ({ directorId: id, key: TOTAL_KEY })),
      fromSec,
      toSec,
      toSec - fromSec,
    )[0];
    return p ? p.cps : null;
  }

  /** Points on the grid [from, to) with `step`-second buckets: each source averaged per bucket, sources summed. */
  private collect(sources: Source[], from: number, to: number, step: number): StatsPoint[] {
    const n = Math.ceil((to - from) / step);
    const sum = new Float64Array(n * W);
    const has = new Uint8Array(n);
    const acc = new Float64Array(n * W);
    const cnt = new Uint32Array(n);
    for (const src of sources) {
      const ring = this.ring(src);
      if (!ring) continue;
      acc.fill(0);
      cnt.fill(0);
      ring.forEach(from, to, (sec, v, off) => {
        const b = Math.floor((sec - from) / step);
        cnt[b]!++;
        for (let m = 0; m < W; m++) acc[b * W + m]! += v[off + m]!;
      });
      for (let b = 0; b < n; b++) {
        if (!cnt[b]) continue;
        has[b] = 1;
        for (let m = 0; m < W; m++) sum[b * W + m]! += acc[b * W + m]! / cnt[b]!;
      }
    }
    const out: StatsPoint[] = [];
    for (let b = 0; b < n; b++) if (has[b]) out.push(point((from + b * step) * 1000, sum, b * W));
    return out;
  }

  /** The breakdown lines a chart can show: with more than BREAKDOWN_LIMIT, the busiest by their latest point. */
  private busiest(groups: Group[]): Group[] {
    if (groups.length <= BREAKDOWN_LIMIT) return groups;
    const weight = (g: Group) => {
      let w = 0;
      for (const src of g.sources) {
        const ring = this.ring(src);
        if (ring) ring.forEach(ring.last, ring.last + 1, (_s, v, off) => (w += v[off + CPS]! * 1000 + v[off + ACTIVE]!));
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

  live(scope: Scope, directors: Director[], rangeSeconds: number, nowMs = Date.now()): StatsResponse {
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
  readySecond(scope: Scope, directors: Director[], nowMs = Date.now()): number {
    const ds = scope.director ? [scope.director] : directors;
    const nowSec = Math.floor(nowMs / 1000);
    let ready = Infinity;
    for (const d of ds) {
      const st = this.dirs.get(d.id);
      if (!st || st.lastSec < nowSec - STALE_SECONDS) continue; // silent: do not wait for it
      ready = Math.min(ready, st.lastSec);
    }
    return ready === Infinity ? nowSec - STALE_SECONDS : ready;
  }

  /** One second of a scope, for the browser stream. */
  sample(scope: Scope, directors: Director[], sec: number): { total: StatsPoint | null; breakdown: { key: string; label: string; point: StatsPoint }[] } {
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
  currentRows(clusterId: string, servers: boolean, nowMs = Date.now()): CurrentRows {
    const nowSec = Math.floor(nowMs / 1000);
    const sums = new Map<string, StatsValues>();
    let oldest = Infinity;
    let directors = 0;
    for (const d of this.dirs.values()) {
      if (d.clusterId !== clusterId || d.lastSec < nowSec - STALE_SECONDS) continue;
      directors++;
      oldest = Math.min(oldest, d.lastSec);
      for (const [k, ser] of d.series) {
        // a series missing from the director's newest sample has left (a removed service or server)
        if (k === TOTAL_KEY || ser.ring.last !== d.lastSec || (ser.server && !servers)) continue;
        const acc = sums.get(k);
        if (!acc) sums.set(k, Array.from(ser.now) as StatsValues);
        else for (let f = 0; f < N; f++) acc[f]! += ser.now[f]!;
      }
    }
    for (const v of sums.values()) for (let f = 0; f < N; f++) if (f !== FIELD.persistConns) v[f] = round2(v[f]!);
    return { t: directors ? oldest * 1000 : null, directors, rows: sums };
  }

  /**
   * A director's live connections (active + inactive) at its newest second, per service and per
   * service#server: what an op that removes one of them would cut. null when the director has no
   * fresh stats (silent for longer than STALE_SECONDS), so the counts are unknown.
   */
  connections(directorId: string, nowMs = Date.now()): { t: number; conns: Map<string, number> } | null {
    const d = this.dirs.get(directorId);
    if (!d || d.lastSec < Math.floor(nowMs / 1000) - STALE_SECONDS) return null;
    const conns = new Map<string, number>();
    for (const [k, ser] of d.series) {
      if (k === TOTAL_KEY || ser.ring.last !== d.lastSec) continue;
      conns.set(k, Math.round(ser.now[FIELD.activeConns]! + ser.now[FIELD.inactConns]!));
    }
    return { t: d.lastSec * 1000, conns };
  }

  /** currentRows as the REST answer: services, and real servers nested under their service. */
  current(clusterId: string, servers: boolean, nowMs = Date.now()): CurrentStats {
    const { t, directors, rows } = this.currentRows(clusterId, servers, nowMs);
    const out: CurrentStats = { t, directors, fields: [...STATS_FIELDS], services: {}, realServers: {} };
    for (const [k, v] of rows) {
      const ids = splitServerKeyId(k);
      if (!ids) out.services[k] = v;
      else (out.realServers[ids.service] ??= {})[ids.server] = v;
    }
    return out;
  }

  /** Minute rollups over a range, bucketed in SQL (integer minutes group the same in SQLite and PostgreSQL). */
  async history(scope: Scope, directors: Director[], range: keyof typeof HISTORY, nowMs = Date.now()): Promise<StatsResponse> {
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
    type Row = { d: string; s: string; r: string; b: number | bigint } & Record<(typeof CHART_FIELDS)[number], number>;
    const averages = raw(CHART_FIELDS.map((f) => `CAST(AVG("${f}") AS DOUBLE PRECISION) AS "${f}"`).join(', '));
    const rows = ds.length
      ? await prisma.$queryRaw<Row[]>(sql`
          SELECT "directorId" AS d, "serviceKey" AS s, "destKey" AS r, ("minute" / ${raw(String(stepMin))}) * ${raw(String(stepMin))} AS b, ${averages}
          FROM "StatsRollup"
          WHERE "directorId" IN (${join(ds.map((d) => d.id))}) AND "minute" >= ${fromMin} AND "minute" < ${toMin} AND ${keyFilter}
          GROUP BY 1, 2, 3, 4`)
      : [];
    // (director, series key) -> bucket -> chart values
    const byKey = new Map<string, Map<number, number[]>>();
    const breakdownKeys = new Set<string>();
    for (const r of rows) {
      const key = r.r ? serverKeyId(r.s, r.r) : r.s;
      const k = `${r.d}\u0000${key}`;
      let m = byKey.get(k);
      if (!m) byKey.set(k, (m = new Map()));
      m.set(
        Number(r.b),
        CHART_FIELDS.map((f) => Number(r[f])),
      );
      if (scope.service && !scope.server && r.r) breakdownKeys.add(r.r);
      if (scope.director && !scope.service && r.s && !r.r) breakdownKeys.add(r.s);
    }
    // the breakdown of history also covers servers/services that are no longer in memory
    const breakdown: Group[] = g.breakdown.slice();
    const known = new Set(breakdown.map((b) => b.key));
    for (const k of breakdownKeys) {
      if (known.has(k)) continue;
      if (scope.service) breakdown.push({ key: k, label: serverKeyLabel(k), sources: ds.map((d) => ({ directorId: d.id, key: serverKeyId(scope.service!, k) })) });
      else if (scope.director) breakdown.push({ key: k, label: serviceKeyLabel(k), sources: [{ directorId: scope.director.id, key: k }] });
    }
    const sumOf = (sources: Source[]): StatsPoint[] => {
      const buckets = new Map<number, Float64Array>();
      for (const s of sources) {
        for (const [b, v] of byKey.get(`${s.directorId}\u0000${s.key}`) ?? []) {
          let acc = buckets.get(b);
          if (!acc) buckets.set(b, (acc = new Float64Array(W)));
          for (let m = 0; m < W; m++) acc[m]! += v[m]!;
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
}
