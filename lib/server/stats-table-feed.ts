// The services table's live numbers: once a second, per cluster with a browser watching, the
// cluster's current rows are computed once, diffed against the previous second (tableDelta) and
// the one encoded `table-delta` frame is written to every stream of the cluster that asked for a
// table. A stream that opens gets the feed's current table first, so table + deltas reconstruct
// exactly what the server holds.
import type { StatsTableDeltaEvent, StatsTableEvent } from '../api/schemas';
import { tableDelta, type TableChange } from '../api/stats-delta';
import { STATS_FIELDS, statsRow, type StatsValues } from '../api/stats-fields';
import { splitServerKeyId } from '../ipvs/keys';
import { sseFrame, type SseSink } from './sse';
import { statsStore } from './stats';

/** services: service rows only; all: real servers too. */
export type TableKind = 'services' | 'all';
interface Sub {
  sink: SseSink;
  kind: TableKind;
}
interface ClusterTable {
  subs: Set<Sub>;
  t: number | null;
  directors: number;
  rows: Map<string, StatsValues>;
  /** `rows` has real servers' rows (some stream asked for them): without, a second costs a quarter of the rows at 3 servers a service */
  servers: boolean;
}

const isService = (key: string) => splitServerKeyId(key) === null;

function servicesOnly(c: TableChange): TableChange {
  return { rows: c.rows.filter((r) => isService(r[0])), gone: c.gone.filter(isService) };
}

class TableFeed {
  private clusters = new Map<string, ClusterTable>();
  private timer: NodeJS.Timeout | null = null;

  /** Send `table` now and a `table-delta` each second that changed something, until unsubscribed. */
  subscribe(clusterId: string, kind: TableKind, sink: SseSink): () => void {
    const servers = kind === 'all';
    let c = this.clusters.get(clusterId);
    if (!c) this.clusters.set(clusterId, (c = { subs: new Set(), servers, ...statsStore.currentRows(clusterId, servers) }));
    const sub: Sub = { sink, kind };
    c.subs.add(sub);
    // the first stream to want real servers reads them now; the next tick's delta brings them to the feed's rows too
    const from = servers && !c.servers ? statsStore.currentRows(clusterId, true) : c;
    c.servers ||= servers;
    const rows = [...from.rows].filter(([k]) => servers || isService(k)).map(([k, v]) => statsRow(k, v));
    const table: StatsTableEvent = { t: from.t, directors: from.directors, fields: [...STATS_FIELDS], rows };
    sink.send(sseFrame('table', table));
    this.timer ??= setInterval(() => this.tick(), 1000);
    this.timer.unref?.();
    return () => {
      c.subs.delete(sub);
      if (!c.subs.size) this.clusters.delete(clusterId);
      if (!this.clusters.size && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** One second: every watched cluster's delta, computed and encoded once. */
  tick(nowMs = Date.now()): void {
    for (const [clusterId, c] of this.clusters) {
      c.servers = [...c.subs].some((s) => s.kind === 'all');
      const next = statsStore.currentRows(clusterId, c.servers, nowMs);
      const all = tableDelta(c.rows, next.rows);
      c.rows = next.rows;
      c.t = next.t;
      c.directors = next.directors;
      if (!all.rows.length && !all.gone.length) continue;
      const frames: Partial<Record<TableKind, Uint8Array | null>> = {};
      const frame = (kind: TableKind) => {
        if (frames[kind] !== undefined) return frames[kind];
        const change = kind === 'all' ? all : servicesOnly(all);
        const e: StatsTableDeltaEvent = { t: next.t, directors: next.directors, ...change };
        return (frames[kind] = change.rows.length || change.gone.length ? sseFrame('table-delta', e) : null);
      };
      for (const s of c.subs) {
        const f = frame(s.kind);
        if (f) s.sink.send(f);
      }
    }
  }

  /** Tests. */
  get watched(): number {
    return this.clusters.size;
  }
}

const g = globalThis as typeof globalThis & { __lvsTableFeed?: TableFeed };
export const tableFeed: TableFeed = (g.__lvsTableFeed ??= new TableFeed());
