// The browser's live stream beyond charts (issue 16), on SQLite and PostgreSQL: director status
// as events on every change (connect, reports, disconnect), agreeing with the REST answer; the
// cluster's table as one full `table` then per-second deltas of the changed rows only, which
// rebuild exactly what `stats/current` says; and `verified` reports kept as lastVerifiedAt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectorStatus, DirectorStatusEvent, StatsTableDeltaEvent, StatsTableEvent } from '@/lib/api/schemas';
import { applyTableDelta, tableOf } from '@/lib/api/stats-delta';
import { STATS_FIELDS } from '@/lib/api/stats-fields';
import { configHash } from '@/lib/ipvs/hash';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import type { DesiredRevision, Report } from '@/lib/protocol/messages';
import { db } from '@/lib/server/db';
import { statsStore } from '@/lib/server/stats';
import { tableFeed } from '@/lib/server/stats-table-feed';
import { call, type Caller } from '../api/caller';
import { SseReader } from '../api/sse-reader';
import { backends, closeTestDb, dbWithUsers, type TestDb } from './harness';

const svc = (i: number) => ({
  protocol: 'tcp',
  address: '10.0.0.1',
  port: 1000 + i,
  scheduler: 'rr',
  realServers: [
    { address: '10.0.1.1', port: 80, forwarding: 'masq' },
    { address: '10.0.1.2', port: 80, forwarding: 'masq' },
  ],
});

/** Services 0..n-1; service `hot` carries `cps` connections a second, the others a steady 1. */
function snapshot(at: number, n: number, hot: number, cps: number): StatsSnapshot {
  const rates = (c: number) => ({ cps: c, inpps: c * 10, outpps: c * 8, inbps: c * 1000, outbps: c * 9000 });
  const counters = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  const services = Array.from({ length: n }, (_, i) => {
    const c = i === hot ? cps : 1;
    const rs = (address: string) => ({ address, port: 80, activeConns: c, inactConns: 0, persistConns: 0, counters, rates: rates(c / 2) });
    return { service: { protocol: 'tcp' as const, address: '10.0.0.1', port: 1000 + i }, counters, rates: rates(c), realServers: [rs('10.0.1.1'), rs('10.0.1.2')] };
  });
  return { at, totals: { counters, rates: rates(n) }, services };
}

for (const backend of backends()) {
  describe(`live stream on ${backend}`, () => {
    let tdb: TestDb;
    let viewer: Caller;
    let token: string;
    let directorId: string;
    let clusterId: string;
    const open: SseReader[] = [];
    const stream = async (query: Record<string, string>) => {
      const res = await call('statsStream', { params: { cluster: 'live' }, query, as: viewer });
      expect(res.status).toBe(200);
      const s = new SseReader((res.body as unknown as Response).body!);
      open.push(s);
      return s;
    };

    beforeAll(async () => {
      ({
        tdb,
        as: { olga: viewer },
      } = await dbWithUsers(backend, { olga: 'operator' }));
      const created = await call('createCluster', { body: { name: 'live', config: { services: [svc(0), svc(1), svc(2)] } }, as: viewer });
      expect(created.status, created.text).toBe(201);
      const reg = await call('registerDirector', { params: { cluster: 'live' }, body: { name: 'lb1' }, as: viewer });
      expect(reg.status, reg.text).toBe(201);
      token = reg.body.token;
      const row = await (await db()).director.findFirstOrThrow({ where: { name: 'lb1' } });
      directorId = row.id;
      clusterId = row.clusterId;
    });
    afterAll(async () => {
      await Promise.all(open.map((s) => s.cancel()));
      await closeTestDb(tdb);
    });

    it('sends director status on open, on connect, ack, verified and disconnect, as the REST answer has it', async () => {
      const s = await stream({});
      const first = await s.next<DirectorStatusEvent>('director-status');
      expect(first.directors.map((d) => [d.name, d.state, d.statsStale, d.lastVerifiedAt])).toEqual([['lb1', 'never-connected', true, null]]);

      const agentRes = await call('agentStream', { as: { token } });
      const agent = new SseReader((agentRes.body as unknown as Response).body!);
      const desired = await agent.next<DesiredRevision>('desired');
      const connected = await s.next<DirectorStatusEvent>('director-status', 10_000, (e) => e.directors[0]?.connected === true);
      expect(connected.directors[0]).toMatchObject({ state: 'pending', desiredRevision: 1 });

      const report = (body: Report) => call('agentReport', { body, as: { token } });
      await report({ type: 'state', actual: desired.config, drift: null });
      await report({ type: 'ack', revision: 1, hash: desired.hash, opsApplied: 6, durationMs: 3 });
      const applied = await s.next<DirectorStatusEvent>('director-status', 10_000, (e) => e.directors[0]?.state === 'applied');
      expect(applied.directors[0]!.lastVerifiedAt).not.toBeNull();
      // the stream and the REST answer are one function of the same row
      const rest = (await call('listDirectors', { params: { cluster: 'live' }, as: viewer })).body.directors[0] as DirectorStatus;
      expect(rest).toEqual(applied.directors[0]);

      // verified: kept when it names the table we hold, as the agent's time (never in our future)
      const at = new Date(Date.now() - 2000).toISOString();
      await report({ type: 'verified', revision: 1, hash: configHash(desired.config), at });
      const verified = await s.next<DirectorStatusEvent>('director-status', 10_000, (e) => e.directors[0]?.lastVerifiedAt === at);
      expect(verified.directors[0]!.actualReportedAt).not.toBe(at);
      await report({ type: 'verified', revision: 1, hash: 'sha256:another-table', at: new Date().toISOString() });
      await report({ type: 'verified', revision: 1, hash: configHash(desired.config), at: new Date(Date.now() + 3_600_000).toISOString() });
      const row = await (await db()).director.findUniqueOrThrow({ where: { id: directorId } });
      expect(row.verifiedAt!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(row.verifiedAt!.getTime()).toBeGreaterThan(Date.parse(at));
      const plan = (await call('directorPlan', { params: { cluster: 'live', director: 'lb1' }, as: viewer })).body;
      expect(plan).toMatchObject({ basis: 'reported', basisVerifiedAt: row.verifiedAt!.toISOString() });

      await agent.cancel();
      const gone = await s.next<DirectorStatusEvent>('director-status', 10_000, (e) => e.directors[0]?.connected === false);
      expect(gone.directors[0]!.state).toBe('offline');
    });

    it('a director-scoped stream hears only its director; a deleted director is named in removed', async () => {
      const reg = await call('registerDirector', { params: { cluster: 'live' }, body: { name: 'lb2' }, as: viewer });
      expect(reg.status).toBe(201);
      const mine = await stream({ director: 'lb1' });
      expect((await mine.next<DirectorStatusEvent>('director-status')).directors.map((d) => d.name)).toEqual(['lb1']);
      const all = await stream({});
      expect((await all.next<DirectorStatusEvent>('director-status')).directors.map((d) => d.name)).toEqual(['lb1', 'lb2']);
      expect((await call('deleteDirector', { params: { cluster: 'live', director: 'lb2' }, as: viewer })).status).toBe(200);
      const removed = await all.next<DirectorStatusEvent>('director-status', 10_000, (e) => e.removed.length > 0);
      expect(removed.removed).toEqual([reg.body.director.id]);
      expect(mine.pending('director-status')).toBe(0);
    });

    it('streams the table once, then only the rows that changed; the deltas rebuild stats/current', async () => {
      const t0 = Math.floor(Date.now() / 1000) * 1000;
      // numbers arriving turn the director's status fresh, with the second they are from
      const status = await stream({ director: 'lb1' });
      expect((await status.next<DirectorStatusEvent>('director-status')).directors[0]).toMatchObject({ statsAt: null, statsStale: true });
      await statsStore.ingest(directorId, clusterId, [snapshot(t0 - 1000, 3, -1, 0)]);
      const fresh = await status.next<DirectorStatusEvent>('director-status', 5000, (e) => e.directors[0]?.statsStale === false);
      expect(fresh.directors[0]!.statsAt).toBe(new Date(t0 - 1000).toISOString());

      const s = await stream({ table: 'all' });
      const table = await s.next<StatsTableEvent>('table');
      expect(table.fields).toEqual([...STATS_FIELDS]);
      expect(table.rows).toHaveLength(9); // 3 services, 6 real servers
      const browser = tableOf(table.rows);

      // one service gets busier: its row and its servers' rows change, nothing else
      await statsStore.ingest(directorId, clusterId, [snapshot(t0, 3, 1, 40)]);
      const delta = await s.next<StatsTableDeltaEvent>('table-delta', 5000);
      expect(delta.rows.map((r) => r[0]).sort()).toEqual(['tcp|10.0.0.1|1001', 'tcp|10.0.0.1|1001#10.0.1.1|80', 'tcp|10.0.0.1|1001#10.0.1.2|80']);
      expect(delta.gone).toEqual([]);
      applyTableDelta(browser, delta);

      // a service leaves the director's sample: its rows are gone
      await statsStore.ingest(directorId, clusterId, [snapshot(t0 + 1000, 2, 1, 40)]);
      const left = await s.next<StatsTableDeltaEvent>('table-delta', 5000, (d) => d.gone.length > 0);
      expect(left.gone.sort()).toEqual(['tcp|10.0.0.1|1002', 'tcp|10.0.0.1|1002#10.0.1.1|80', 'tcp|10.0.0.1|1002#10.0.1.2|80']);
      applyTableDelta(browser, left);

      const cur = (await call('currentStats', { params: { cluster: 'live' }, as: viewer })).body;
      const expected = new Map<string, unknown>(Object.entries(cur.services));
      for (const [service, servers] of Object.entries(cur.realServers as Record<string, Record<string, unknown>>)) for (const [rs, v] of Object.entries(servers)) expected.set(`${service}#${rs}`, v);
      expect(browser).toEqual(expected);

      // services only: no real-server rows, and a stream scoped to a service cannot ask for the table
      const svcOnly = await stream({ table: 'services' });
      expect((await svcOnly.next<StatsTableEvent>('table')).rows.map((r) => r[0]).sort()).toEqual(['tcp|10.0.0.1|1000', 'tcp|10.0.0.1|1001']);
      const bad = await call('statsStream', { params: { cluster: 'live' }, query: { table: 'all', director: 'lb1' }, as: viewer });
      expect(bad.status).toBe(400);
      expect(bad.body.issues[0].path).toBe('table');
      await Promise.all(open.splice(0).map((x) => x.cancel()));
      await new Promise((r) => setTimeout(r, 50));
      expect(tableFeed.watched).toBe(0);
    });
  });
}
