// Smaller promises, on SQLite and PostgreSQL: the demo seed is idempotent and keeps its token
// file private; history buckets 24 h and 30 d ranges in SQL; expired API tokens stop working;
// a director that never answers a connection query times out with 504.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, dbTarget } from '@/lib/server/db';
import { writeRollups, type RollupRow } from '@/lib/server/rollup-writer';
import { seedDemo } from '@/lib/server/seed';
import { storedConfig } from '@/lib/server/views';
import { statsStore } from '@/lib/server/stats';
import { createToken } from '@/lib/server/users';
import { hub } from '@/lib/server/hub';
import { call } from '../api/caller';
import { SseReader } from '../api/sse-reader';
import { backends, createTestDb, rollupRow, type TestDb } from './harness';

process.env.LVS_CONN_QUERY_TIMEOUT_MS = '400';

for (const backend of backends()) {
  describe(`extras on ${backend}`, () => {
    let tdb: TestDb;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-extras-'));
    const tokenFile = path.join(dir, 'agent.token');
    let first: Awaited<ReturnType<typeof seedDemo>>;
    beforeAll(async () => {
      tdb = await createTestDb(backend);
      first = await seedDemo({ tokenFile });
    });
    afterAll(async () => {
      hub.closeAll();
      await tdb.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('seeds once: a generated admin password shown once, the demo cluster, a private token file reused on restart', async () => {
      expect(first.adminUsername).toBe('admin');
      expect(first.adminPassword).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(tokenFile, 'utf8').trim()).toBe(first.agentToken);
      const again = await seedDemo({ tokenFile, adminPassword: 'ignored because an admin exists' });
      expect(again).toMatchObject({ adminPassword: null, agentToken: first.agentToken });
      const prisma = await db();
      expect(await prisma.configRevision.count()).toBe(1);
      const rev = await prisma.configRevision.findFirstOrThrow();
      expect(storedConfig(rev.config).services).toHaveLength(4);
      // a lost token file: a new token is issued (the old one stops working)
      fs.rmSync(tokenFile);
      const third = await seedDemo({ tokenFile });
      expect(third.agentToken).not.toBe(first.agentToken);
      expect((await call('agentReport', { body: { type: 'health', states: [] }, as: { token: first.agentToken } })).status).toBe(401);
      first = third;
    });

    it('buckets history in SQL: 24 h in 5-minute points, 30 d in 2-hour points', async () => {
      const prisma = await db();
      const d = await prisma.director.findFirstOrThrow({ where: { name: 'sim-1' } });
      const now = Date.now();
      const nowMin = Math.floor(now / 60_000);
      const rows: RollupRow[] = [];
      // one row per minute for the last 2 days, cps = 1 in even 5-minute blocks and 3 in odd ones
      for (let m = nowMin - 2 * 1440; m <= nowMin; m++) {
        const cps = Math.floor(m / 5) % 2 === 0 ? 1 : 3;
        rows.push(rollupRow({ directorId: d.id, minute: m, conns: 60, activeConns: 10, cps, samples: 60 }));
      }
      await writeRollups(dbTarget(), rows);
      const day = await call('historyStats', { params: { cluster: 'demo' }, query: { range: '24h' }, as: { token: await operatorToken() } });
      expect(day.body.step).toBe(300);
      const pts: { t: number; cps: number }[] = day.body.total.points;
      expect(pts.length).toBeGreaterThanOrEqual(288);
      expect(pts.length).toBeLessThanOrEqual(290);
      for (const p of pts.slice(1, -1)) expect(p.cps).toBe(Math.floor(p.t / 300_000) % 2 === 0 ? 1 : 3);
      const month = await call('historyStats', { params: { cluster: 'demo' }, query: { range: '30d' }, as: { token: await operatorToken() } });
      expect(month.body.step).toBe(7200);
      const full = month.body.total.points.slice(1, -1);
      expect(full.length).toBeGreaterThan(20);
      for (const p of full) expect(p.cps).toBe(2);
      expect(await statsStore.prune(now, 1)).toBeGreaterThan(1400);
    });

    it('an expired API token is refused by name', async () => {
      const secret = await operatorToken();
      const prisma = await db();
      await prisma.apiToken.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
      const r = await call('listClusters', { as: { token: secret } });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(/^API token "t\d+" expired at /);
    });

    it('a connection query the agent never answers is a 504 after the timeout', async () => {
      const res = await call('agentStream', { as: { token: first.agentToken } });
      const s = new SseReader((res.body as unknown as Response).body!);
      await s.next('desired');
      const r = await call('listConnections', { params: { cluster: 'demo', director: 'sim-1' }, as: { token: await operatorToken() } });
      expect(r.status).toBe(504);
      expect(r.body.error).toBe('director sim-1 did not answer the connection query within 0.4 s');
      await s.cancel();
    });
  });
}

let n = 0;
async function operatorToken(): Promise<string> {
  const prisma = await db();
  const u = await prisma.user.findUniqueOrThrow({ where: { username: 'admin' } });
  return (
    await createToken(
      { kind: 'user', via: 'session', userId: u.id, username: 'admin', role: 'admin', userRole: 'admin', actor: 'admin' },
      { name: `t${n++}`, role: 'operator' },
      { actor: 'test', clientIp: null },
    )
  ).secret;
}
