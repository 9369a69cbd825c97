// The agent hub: one server-sent event stream per connected agent. A new revision is read from the
// database once per process and the same encoded frame is written to every local stream of the
// cluster (one broadcast, not one read per agent). Other processes hear of it over the bus.
// During a staged rollout (rollouts.ts) a director outside the current step is pinned to the
// revision it ran: the push is per director's target revision, still one read per revision.
// Connection-table queries go out as `conn-query` events and come back as POSTs that may land on
// any process; a request id correlates them, with a timeout.
import crypto from 'node:crypto';
import type { ConnPage } from '../api/schemas';
import type { ConnFilter } from '../ipvs/stats';
import type { ConnAnswer, ConnQuery, DesiredRevision } from '../protocol/messages';
import type { DirectorPrincipal } from './auth/principal';
import { bus } from './bus';
import { db } from './db';
import { gatewayTimeout, unavailable } from './errors';
import { metrics } from './metrics';
import { sseFrame, sseResponse, type SseSink } from './sse';
import { directorStatusChanged } from './status-feed';
import { isConnected, revisionConfig } from './views';
import { parseSettings } from './settings';
import { alertSettingsOf, healthPolicyOf } from './alerts/settings';

interface AgentConn {
  id: string;
  directorId: string;
  clusterId: string;
  sink: SseSink;
  openedAt: number;
  /** revision, hash and drift policy of the last desired frame sent: an unchanged target is not re-sent */
  sent: string;
}

interface Pending {
  directorId: string;
  resolve: (a: ConnAnswer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const HEARTBEAT_MS = 15_000;
/** how often lastSeenAt of locally connected directors is refreshed (one UPDATE for all of them) */
const TOUCH_MS = 20_000;
/** How long a connection-table query waits for the agent (LVS_CONN_QUERY_TIMEOUT_MS, default 10 s). */
export const connQueryTimeoutMs = () => parseSettings().LVS_CONN_QUERY_TIMEOUT_MS; // read per query, so it can change at run time

class Hub {
  private agents = new Map<string, Set<AgentConn>>();
  private pending = new Map<string, Pending>();
  private timers: NodeJS.Timeout[] = [];
  private initialized = false;
  /** database reads of a cluster's desired state (tests prove one per revision, not one per agent) */
  desiredReads = 0;
  /**
   * The desired state by cluster and pin, as last read. A revision never changes; what else goes
   * into the frame (name, drift and health policy, current revision) changes only with a `revision`
   * or `cluster` event, which clears it (`resync` clears all). So a fleet reconnecting after a
   * restart costs one read per revision, not one full-config read per agent.
   */
  private desiredCache = new Map<string, Map<number | null, Promise<DesiredRevision | null>>>();

  private init(): void {
    if (this.initialized) return;
    this.initialized = true;
    bus.on('revision', (m) => {
      this.desiredCache.delete(m.clusterId);
      void this.pushDesired(m.clusterId).catch(logErr('push revision'));
    });
    bus.on('cluster', (m) => {
      this.desiredCache.delete(m.clusterId);
      void this.pushDesired(m.clusterId).catch(logErr('push cluster settings'));
    });
    bus.on('resync', () => {
      this.desiredCache.clear();
      for (const clusterId of new Set([...this.conns()].map((c) => c.clusterId))) void this.pushDesired(clusterId).catch(logErr('resync'));
    });
    bus.on('director-gone', (m) => {
      for (const c of [...(this.agents.get(m.directorId) ?? [])]) c.sink.close();
    });
    bus.on('reconcile', (m) => this.sendTo(m.directorId, sseFrame('reconcile', { reason: m.reason })));
    bus.on('conn-query', (m) => this.sendTo(m.directorId, sseFrame('conn-query', m.query), true));
    bus.on('conn-answer', (m) => this.settle(m.directorId, m.answer));
    this.timers.push(
      setInterval(() => this.heartbeat(), HEARTBEAT_MS),
      setInterval(() => void this.touch().catch(logErr('touch')), TOUCH_MS),
    );
    for (const t of this.timers) t.unref();
    metrics.agentsConnected.readBy(() => [...this.conns()].length);
  }

  private *conns(): Iterable<AgentConn> {
    for (const set of this.agents.values()) yield* set;
  }

  connectedLocally(directorId: string): boolean {
    return (this.agents.get(directorId)?.size ?? 0) > 0;
  }

  /** The desired state of a cluster as agents receive it: its current revision, or `pinned` (a staged rollout's). */
  desired(clusterId: string, pinned: number | null = null): Promise<DesiredRevision | null> {
    let byPin = this.desiredCache.get(clusterId);
    if (!byPin) this.desiredCache.set(clusterId, (byPin = new Map()));
    const hit = byPin.get(pinned);
    if (hit) return hit;
    const read = this.readDesired(clusterId, pinned);
    byPin.set(pinned, read);
    // a failed read is not remembered
    read.catch(() => byPin.get(pinned) === read && byPin.delete(pinned));
    return read;
  }

  private async readDesired(clusterId: string, pinned: number | null): Promise<DesiredRevision | null> {
    this.desiredReads++;
    const prisma = await db();
    const c = await prisma.cluster.findUnique({ where: { id: clusterId }, include: { currentRevision: pinned === null } });
    if (!c) return null;
    const r = pinned === null ? c.currentRevision : await prisma.configRevision.findUnique({ where: { clusterId_number: { clusterId, number: pinned } } });
    if (!r) return null;
    return {
      cluster: c.name,
      revision: r.number,
      hash: r.hash,
      createdAt: r.createdAt.toISOString(),
      driftPolicy: c.driftPolicy === 'report' ? 'report' : 'enforce',
      healthPolicy: healthPolicyOf(await alertSettingsOf(c.id)),
      config: revisionConfig(r),
    };
  }

  async openAgentStream(p: DirectorPrincipal, req: Request): Promise<Response> {
    this.init();
    await bus.start();
    const prisma = await db();
    const pin = await prisma.director.findUnique({ where: { id: p.directorId }, select: { pinnedRevision: true } });
    const desired = await this.desired(p.clusterId, pin?.pinnedRevision ?? null);
    const conn: AgentConn = { id: crypto.randomBytes(8).toString('hex'), directorId: p.directorId, clusterId: p.clusterId, sink: null as unknown as SseSink, openedAt: Date.now(), sent: '' };
    const now = new Date();
    await prisma.director.update({ where: { id: p.directorId }, data: { connectedAt: now, connectionId: conn.id, lastSeenAt: now } });
    await directorStatusChanged(p.clusterId, [p.directorId]);
    return sseResponse(
      req.signal,
      (sink) => {
        conn.sink = sink;
        let set = this.agents.get(p.directorId);
        if (!set) this.agents.set(p.directorId, (set = new Set()));
        set.add(conn);
        if (desired) {
          sink.send(sseFrame('desired', desired, desired.revision));
          conn.sent = sentKey(desired);
          metrics.pushes.inc();
        }
      },
      () => {
        const set = this.agents.get(p.directorId);
        set?.delete(conn);
        if (set && !set.size) this.agents.delete(p.directorId);
        // only this stream's close marks the director offline (a newer stream may have replaced it)
        void db()
          .then((x) => x.director.updateMany({ where: { id: p.directorId, connectionId: conn.id }, data: { connectedAt: null, connectionId: null, lastSeenAt: new Date() } }))
          .then((r) => (r.count ? directorStatusChanged(p.clusterId, [p.directorId]) : undefined))
          .catch(logErr('mark offline'));
      },
    );
  }

  /**
   * One read and one encoded frame per target revision (the current one, or a staged rollout's pin),
   * written to every local stream of the cluster whose target it is; a stream that already has
   * exactly that frame's revision is skipped.
   */
  private async pushDesired(clusterId: string): Promise<void> {
    const targets = [...this.conns()].filter((c) => c.clusterId === clusterId);
    if (!targets.length) return;
    const prisma = await db();
    const pins = new Map(
      (await prisma.director.findMany({ where: { id: { in: [...new Set(targets.map((c) => c.directorId))] }, pinnedRevision: { not: null } }, select: { id: true, pinnedRevision: true } })).map(
        (d) => [d.id, d.pinnedRevision],
      ),
    );
    const byTarget = new Map<number | null, AgentConn[]>();
    for (const c of targets) {
      const t = pins.get(c.directorId) ?? null;
      byTarget.set(t, [...(byTarget.get(t) ?? []), c]);
    }
    for (const [pinned, conns] of byTarget) {
      const desired = await this.desired(clusterId, pinned);
      if (!desired) {
        for (const c of conns) c.sink.close();
        continue;
      }
      const key = sentKey(desired);
      const frame = sseFrame('desired', desired, desired.revision);
      for (const c of conns) {
        if (c.sent === key) continue;
        if (c.sink.send(frame)) {
          c.sent = key;
          metrics.pushes.inc();
        }
      }
    }
  }

  private sendTo(directorId: string, frame: Uint8Array, newestOnly = false): boolean {
    const set = [...(this.agents.get(directorId) ?? [])].sort((a, b) => b.openedAt - a.openedAt);
    let sent = false;
    for (const c of newestOnly ? set.slice(0, 1) : set) sent = c.sink.send(frame) || sent;
    return sent;
  }

  private heartbeat(): void {
    for (const c of this.conns()) c.sink.ping();
  }

  private async touch(): Promise<void> {
    const ids = [...this.agents.keys()];
    if (!ids.length) return;
    const prisma = await db();
    const now = new Date();
    // in chunks: SQLite allows 999 bound parameters per statement
    for (let i = 0; i < ids.length; i += 500) await prisma.director.updateMany({ where: { id: { in: ids.slice(i, i + 500) } }, data: { lastSeenAt: now } });
  }

  /** Ask a director's agent for its connection table (it filters and pages on its side). */
  async queryConnections(d: { id: string; name: string; connectedAt: Date | null; lastSeenAt: Date | null }, filter: ConnFilter, offset: number, limit: number): Promise<ConnPage> {
    this.init();
    if (!isConnected(d)) {
      metrics.connQueries.inc({ result: 'not-connected' });
      throw unavailable(`director ${d.name} is not connected, so its connection table cannot be read`);
    }
    await bus.start();
    const query: ConnQuery = { requestId: crypto.randomBytes(12).toString('hex'), filter, offset, limit };
    const timeout = connQueryTimeoutMs();
    const answer = new Promise<ConnAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(query.requestId);
        metrics.connQueries.inc({ result: 'timeout' });
        reject(gatewayTimeout(`director ${d.name} did not answer the connection query within ${timeout / 1000} s`));
      }, timeout);
      this.pending.set(query.requestId, { directorId: d.id, resolve, reject, timer });
    });
    await bus.publish({ k: 'conn-query', directorId: d.id, query });
    const a = await answer;
    metrics.connQueries.inc({ result: 'ok' });
    return { director: d.name, total: a.total, offset, limit, entries: a.entries, fetchedAt: new Date().toISOString() };
  }

  /** An agent's answer: settle it here, or pass it to the process that asked. */
  async answerConnections(p: DirectorPrincipal, answer: ConnAnswer): Promise<boolean> {
    this.init();
    if (this.settle(p.directorId, answer)) return true;
    await bus.publish({ k: 'conn-answer', directorId: p.directorId, answer }, { local: false });
    return false;
  }

  private settle(directorId: string, answer: ConnAnswer): boolean {
    const pend = this.pending.get(answer.requestId);
    // an answer only counts from the director that was asked
    if (!pend || pend.directorId !== directorId) return false;
    this.pending.delete(answer.requestId);
    clearTimeout(pend.timer);
    pend.resolve(answer);
    return true;
  }

  /** Tests: drop every stream. */
  closeAll(): void {
    for (const c of [...this.conns()]) c.sink.close();
  }
}

const sentKey = (d: DesiredRevision) => `${d.cluster}:${d.revision}:${d.hash}:${d.driftPolicy}`;

function logErr(what: string) {
  return (e: unknown) => console.error(`[lvs-console] hub: ${what} failed:`, (e as Error).message ?? e);
}

const g = globalThis as typeof globalThis & { __lvsHub?: Hub };
export const hub: Hub = (g.__lvsHub ??= new Hub());
