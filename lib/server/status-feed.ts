// Director status to browsers, as it changes. Whatever changes a director's status (a report, an
// agent connecting or going away, a new revision, a registration or revocation) says so with
// `directorStatusChanged`, which reaches every process over the bus; each process re-reads those
// directors once and writes one `director-status` frame, built by directorStatus() (views.ts) like
// every REST answer, to the streams of the cluster. Changes that come with time alone (an agent
// silent for a minute, numbers turning stale) are noticed by a once-a-second look at the cached
// rows, confirmed against the database, then sent the same way.
import type { DirectorStatus, DirectorStatusEvent } from '../api/schemas';
import type { Director } from '../generated/sqlite/client';
import { bus } from './bus';
import { db } from './db';
import { sseFrame, type SseSink } from './sse';
import { STALE_SECONDS, statsStore } from './stats';
import { directorStatus, isConnected } from './views';

/**
 * Tell every process's browsers that these directors' status changed (or that they were deleted).
 * Best effort: the change itself is already stored, and a browser that misses the event still
 * reads the truth from the REST answer or on its next change.
 */
export async function directorStatusChanged(clusterId: string, directorIds: string[], removed = false): Promise<void> {
  if (!directorIds.length) return;
  await bus.publish({ k: 'director-status', clusterId, directorIds, ...(removed ? { removed } : {}) }).catch(logErr);
}

interface Sub {
  sink: SseSink;
  /** a director-scoped stream hears only its director */
  directorId: string | null;
}
interface Watched {
  subs: Set<Sub>;
  name: string;
  desired: { number: number; hash: string } | null;
  rows: Map<string, Director>;
  /** what the time-driven look compares: connected and stale, as last sent */
  seen: Map<string, string>;
  /** the first read of the cluster */
  ready: Promise<unknown>;
}

const timeKey = (d: Director, now: number) => {
  const sec = statsStore.lastSecond(d.id);
  return `${isConnected(d, now)}|${sec === null || sec < Math.floor(now / 1000) - STALE_SECONDS}`;
};

class StatusFeed {
  private clusters = new Map<string, Watched>();
  private off: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** Send every director of the scope now, then each change, until unsubscribed. */
  async subscribe(clusterId: string, directorId: string | null, sink: SseSink): Promise<() => void> {
    this.listen();
    let w = this.clusters.get(clusterId);
    if (!w) {
      const fresh: Watched = { subs: new Set(), name: '', desired: null, rows: new Map(), seen: new Map(), ready: Promise.resolve() };
      fresh.ready = this.load(clusterId, fresh, null);
      this.clusters.set(clusterId, (w = fresh));
    }
    await w.ready;
    const sub: Sub = { sink, directorId };
    w.subs.add(sub);
    const now = Date.now();
    const all = [...w.rows.values()].filter((d) => !directorId || d.id === directorId).sort((a, b) => a.name.localeCompare(b.name));
    const e: DirectorStatusEvent = { directors: all.map((d) => directorStatus(d, w.name, w.desired, now)), removed: [] };
    sink.send(sseFrame('director-status', e));
    const watched = w;
    return () => {
      watched.subs.delete(sub);
      if (!watched.subs.size && this.clusters.get(clusterId) === watched) this.clusters.delete(clusterId);
      if (!this.clusters.size) this.unlisten();
    };
  }

  private listen(): void {
    if (this.off.length) return;
    this.off.push(
      bus.on('director-status', (m) => void this.refresh(m.clusterId, m.directorIds, m.removed ?? false).catch(logErr)),
      // a new revision or new cluster settings change every director's state (pending, applied)
      bus.on('revision', (m) => void this.refresh(m.clusterId, null).catch(logErr)),
      bus.on('cluster', (m) => void this.refresh(m.clusterId, null).catch(logErr)),
      bus.on('resync', () => {
        for (const id of this.clusters.keys()) void this.refresh(id, null).catch(logErr);
      }),
    );
    this.timer = setInterval(() => this.look(), 1000);
    this.timer.unref?.();
  }

  private unlisten(): void {
    for (const f of this.off.splice(0)) f();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Read the cluster (and these directors, or all) into the cache; returns the directors read. */
  private async load(clusterId: string, w: Watched, ids: string[] | null): Promise<Director[]> {
    const prisma = await db();
    const c = await prisma.cluster.findUnique({ where: { id: clusterId }, select: { name: true, currentRevision: { select: { number: true, hash: true } } } });
    if (!c) return [];
    w.name = c.name;
    w.desired = c.currentRevision;
    const rows = await prisma.director.findMany({ where: ids ? { clusterId, id: { in: ids } } : { clusterId } });
    if (!ids) w.rows.clear();
    for (const d of rows) w.rows.set(d.id, d);
    return rows;
  }

  /** Re-read and send. `onlyIfChanged`: only directors whose time-driven key moved (the look). */
  async refresh(clusterId: string, ids: string[] | null, removed = false, onlyIfChanged = false): Promise<void> {
    const w = this.clusters.get(clusterId);
    if (!w) return;
    if (removed && ids) {
      for (const id of ids) {
        w.rows.delete(id);
        w.seen.delete(id);
      }
      return this.send(w, [], ids);
    }
    const before = ids ? null : new Set(w.rows.keys());
    const rows = await this.load(clusterId, w, ids);
    const now = Date.now();
    const changed = rows.filter((d) => {
      const k = timeKey(d, now);
      const moved = w.seen.get(d.id) !== k;
      w.seen.set(d.id, k);
      return !onlyIfChanged || moved;
    });
    const gone = before ? [...before].filter((id) => !w.rows.has(id)) : [];
    this.send(
      w,
      changed.map((d) => directorStatus(d, w.name, w.desired, now)),
      gone,
    );
  }

  private send(w: Watched, directors: DirectorStatus[], removed: string[]): void {
    if (!directors.length && !removed.length) return;
    directors.sort((a, b) => a.name.localeCompare(b.name));
    let all: Uint8Array | null = null;
    for (const s of w.subs) {
      if (!s.directorId) s.sink.send((all ??= sseFrame('director-status', { directors, removed } satisfies DirectorStatusEvent)));
      else {
        const mine = directors.filter((d) => d.id === s.directorId);
        if (mine.length || removed.includes(s.directorId))
          s.sink.send(sseFrame('director-status', { directors: mine, removed: removed.filter((id) => id === s.directorId) } satisfies DirectorStatusEvent));
      }
    }
  }

  /** Once a second: directors whose connectedness or staleness moved with time alone. */
  look(now = Date.now()): void {
    for (const [clusterId, w] of this.clusters) {
      const moved: string[] = [];
      for (const d of w.rows.values()) {
        const k = timeKey(d, now);
        if (!w.seen.has(d.id)) w.seen.set(d.id, k);
        else if (w.seen.get(d.id) !== k) moved.push(d.id);
      }
      // confirmed against the database: a live agent's lastSeenAt moved on since the cache was read
      if (moved.length) void this.refresh(clusterId, moved, false, true).catch(logErr);
    }
  }
}

function logErr(e: unknown) {
  console.error('[lvs-console] status feed:', (e as Error).message ?? e);
}

const g = globalThis as typeof globalThis & { __lvsStatusFeed?: StatusFeed };
export const statusFeed: StatusFeed = (g.__lvsStatusFeed ??= new StatusFeed());
