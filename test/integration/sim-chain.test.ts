// The whole chain over real HTTP, on SQLite and on PostgreSQL: a started control plane, a real
// agent process with the simulated engine and demo traffic. Sign in like a browser -> change ->
// push -> the agent applies and ACKs -> the director shows the revision applied; live stats and the
// connection table come back from the agent; a drain ends in a system revision; rollback applies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '@/lib/server/seed';
import { backends, createTestDb, type Backend, type TestDb } from '../db/harness';
import { startAgent, startServer, waitFor, type Proc, type Server } from './harness';

const PASSWORD = 'correct horse battery staple';

for (const backend of backends() as Backend[]) {
  describe(`control plane + sim agent over HTTP (${backend})`, () => {
    let tdb: TestDb;
    let server: Server;
    let agent: Proc;
    let cookie = '';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-chain-'));

    const req = async (p: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${server.url}${p}`, {
        method: init.method ?? 'GET',
        // a browser's same-origin request: session cookie + Origin
        headers: { cookie, origin: server.url, 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.text();
      return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    };
    /** Commit a change set to the demo cluster on top of revision `base`. */
    const commitChanges = (base: number, message: string, changes: unknown[]) => req('/api/v1/clusters/demo/changes', { method: 'POST', body: { baseRevision: base, message, changes } });
    const director = async () => (await req('/api/v1/clusters/demo/directors/sim-1')).body;

    beforeAll(async () => {
      tdb = await createTestDb(backend);
      const tokenFile = path.join(dir, 'sim-1.token');
      await seedDemo({ adminPassword: PASSWORD, tokenFile });
      server = await startServer(tdb.url);
      agent = await startAgent({ server: server.url, tokenFile, stateDir: path.join(dir, 'state'), args: ['--sim-traffic', 'demo', '--interval', '2'] });
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      const setCookie = login.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      cookie = setCookie.split(';')[0]!;
    });

    afterAll(async () => {
      await agent?.stop();
      await server?.stop();
      await tdb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('the agent connects, applies revision 1 and reports its facts and live table', async () => {
      await waitFor(async () => (await director()).state === 'applied', 60_000, 'sim-1 to apply revision 1', agent, server);
      const d = await director();
      expect(d).toMatchObject({ connected: true, appliedRevision: 1, desiredRevision: 1, inSync: true, engine: 'sim' });
      expect(d.facts.engine).toBe('sim');
      expect(d.actual.services).toHaveLength(4);
    });

    it('change -> push -> ACK -> the director shows the new revision applied', async () => {
      const cluster = (await req('/api/v1/clusters/demo')).body;
      const web = { protocol: 'tcp', address: '192.0.2.10', port: 80 };
      const preview = await req('/api/v1/clusters/demo/plan', {
        method: 'POST',
        body: { baseRevision: cluster.currentRevision.number, message: 'x', changes: [{ op: 'edit-server', service: web, server: { address: '10.0.1.13', port: 8080 }, set: { weight: 75 } }] },
      });
      expect(preview.status).toBe(200);
      expect(preview.body.directors[0]).toMatchObject({ director: 'sim-1', basis: 'reported', commands: ['ipvsadm -e -t 192.0.2.10:80 -r 10.0.1.13:8080 -m -w 75'] });
      const commit = await commitChanges(cluster.currentRevision.number, 'more weight for .13', [
        { op: 'edit-server', service: web, server: { address: '10.0.1.13', port: 8080 }, set: { weight: 75 } },
      ]);
      expect(commit.status).toBe(201);
      expect(commit.body.pushedTo).toBe(1);
      const n = commit.body.revision.number;
      await waitFor(async () => (await director()).appliedRevision === n, 30_000, `sim-1 to ACK revision ${n}`, agent, server);
      await waitFor(
        async () => {
          const live = (await director()).actual;
          return live.services[0].realServers.find((r: { address: string }) => r.address === '10.0.1.13')?.weight === 75;
        },
        30_000,
        'the live table to show weight 75',
        agent,
        server,
      );
      expect((await director()).state).toBe('applied');
    });

    it('live stats and the connection table come from the agent', async () => {
      await waitFor(
        async () => {
          const s = (await req('/api/v1/clusters/demo/stats/live?range=1m')).body;
          return s.total.points.some((p: { cps: number }) => p.cps > 0);
        },
        60_000,
        'non-zero new connections per second from the sim traffic',
        agent,
        server,
      );
      const svc = encodeURIComponent('tcp|192.0.2.10|80');
      const perServer = (await req(`/api/v1/clusters/demo/stats/live?range=1m&service=${svc}`)).body;
      expect(perServer.breakdown.map((s: { label: string }) => s.label)).toEqual(['10.0.1.11:8080', '10.0.1.12:8080', '10.0.1.13:8080']);
      const conns = await req('/api/v1/clusters/demo/directors/sim-1/connections?limit=10');
      expect(conns.status).toBe(200);
      expect(conns.body.director).toBe('sim-1');
      expect(conns.body.entries.length).toBeLessThanOrEqual(10);
      expect(conns.body.total).toBeGreaterThanOrEqual(conns.body.entries.length);
    });

    it('a drain ends in a system revision and the server leaves the kernel', async () => {
      const cluster = (await req('/api/v1/clusters/demo')).body;
      const dns = { protocol: 'udp', address: '192.0.2.53', port: 53 };
      const r = await commitChanges(cluster.currentRevision.number, 'drain dns .22', [{ op: 'remove-server', service: dns, server: { address: '10.0.2.22', port: 53 }, drain: { timeout: 2 } }]);
      expect(r.status).toBe(201);
      await waitFor(
        async () => /^system: drain of 10\.0\.2\.22:53 from UDP 192\.0\.2\.53:53 completed$/.test((await req('/api/v1/clusters/demo')).body.currentRevision.message),
        60_000,
        'the drain to complete',
        agent,
        server,
      );
      await waitFor(
        async () => {
          const live = (await director()).actual;
          const s = live.services.find((x: { protocol: string }) => x.protocol === 'udp');
          return s.realServers.every((x: { address: string }) => x.address !== '10.0.2.22');
        },
        30_000,
        'the drained server to leave the live table',
        agent,
        server,
      );
    });

    it('rollback to revision 1 is applied', async () => {
      const cluster = (await req('/api/v1/clusters/demo')).body;
      const r = await req('/api/v1/clusters/demo/rollback', { method: 'POST', body: { toRevision: 1, baseRevision: cluster.currentRevision.number } });
      expect(r.status).toBe(201);
      await waitFor(
        async () => {
          const d = await director();
          return d.appliedRevision === r.body.revision.number && d.state === 'applied';
        },
        30_000,
        'the rollback to be applied',
        agent,
        server,
      );
      const audit = (await req('/api/v1/audit?action=director.applied&limit=50')).body.events;
      expect(audit.length).toBeGreaterThanOrEqual(4);
    });
  });
}
