// Health history and alert delivery, on SQLite and PostgreSQL: transitions reported by an agent
// are stored once and raise flapping; alerts are delivered to a webhook receiver on 127.0.0.1
// with retries and exponential backoff kept in the database (a console restart in between loses
// nothing); two claimers never send one delivery twice; a condition seen twice is stored once.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, db } from '@/lib/server/db';
import { seedDemo } from '@/lib/server/seed';
import { hub } from '@/lib/server/hub';
import { onAlert, raiseAlert } from '@/lib/server/alerts/raise';
import { enqueueAlert, runDueDeliveries } from '@/lib/server/alerts/delivery';
import { alertWorker } from '@/lib/server/alerts/start';
import { checkDisconnectedDirectors } from '@/lib/server/alerts/detectors';
import { pruneHealthHistory, HEALTH_RETENTION_DAYS } from '@/lib/server/health-history';
import { openApiDocument } from '@/lib/server/openapi';
import { call, signIn, type Caller } from '../api/caller';
import { backends, createTestDb, type TestDb } from './harness';

const PASSWORD = 'alerts-admin-pass-1';
const SERVICE = { protocol: 'tcp' as const, address: '192.0.2.10', port: 80 };
const SERVICE_ID = 'tcp|192.0.2.10|80';

/** A webhook receiver: answers each request with the next scripted status (200 when the script runs out). */
class Receiver {
  readonly bodies: { path: string; body: unknown }[] = [];
  script: number[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.bodies.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'file:///etc/passwd' }).end();
        return;
      }
      const status = this.script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
    });
  });
  url = '';
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
  ofKind(kind: string) {
    return this.bodies.filter((b) => (b.body as { kind?: string }).kind === kind);
  }
}

/** Wait (bounded) until a condition holds: raiseAlert hands events to listeners asynchronously. */
async function until<T>(f: () => Promise<T | null | undefined | false>, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition never held');
}

describe('OpenAPI', () => {
  it('documents the health and alert endpoints and what a webhook receives', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, unknown>>;
      webhooks: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/clusters/{cluster}/alerts/targets/{target}/test',
        '/api/v1/clusters/{cluster}/alerts/deliveries',
        '/api/v1/clusters/{cluster}/health/availability',
        '/api/v1/clusters/{cluster}/timeline',
      ]),
    );
    expect(doc.webhooks.alert).toBeDefined();
    expect(Object.keys(doc.components.schemas.AlertWebhookPayload!.properties!)).toEqual(expect.arrayContaining(['kind', 'cluster', 'summary', 'id', 'details']));
  });
});

for (const backend of backends()) {
  describe(`health history and alerts on ${backend}`, () => {
    let tdb: TestDb;
    let admin: Caller;
    let agent: Caller;
    const receiver = new Receiver();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-alerts-'));
    let unsubscribe: () => void;

    beforeAll(async () => {
      tdb = await createTestDb(backend);
      const seeded = await seedDemo({ adminPassword: PASSWORD, tokenFile: path.join(dir, 'agent.token') });
      admin = await signIn('admin', PASSWORD);
      agent = { token: seeded.agentToken };
      await receiver.start();
      unsubscribe = onAlert(async (e) => void (await enqueueAlert(e)));
    });
    afterAll(async () => {
      unsubscribe();
      await alertWorker.idle();
      hub.closeAll();
      await receiver.stop();
      await tdb.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('refuses webhook URLs that are not http(s), and names the field', async () => {
      for (const url of ['ftp://127.0.0.1/x', 'file:///etc/passwd', 'javascript:alert(1)', 'http://user:pw@127.0.0.1/']) {
        const r = await call('createAlertTarget', { params: { cluster: 'demo' }, body: { name: 'bad', url }, as: admin });
        expect(r.status, url).toBe(400);
        expect(r.body.issues[0].path).toBe('url');
      }
    });

    it('a NACK is delivered with retries and exponential backoff, kept across a restart', async () => {
      const created = await call('createAlertTarget', {
        params: { cluster: 'demo' },
        body: { name: 'ops', url: `${receiver.url}/hook`, kinds: ['nack', 'flapping', 'director_disconnected'] },
        as: admin,
      });
      expect(created.status).toBe(201);
      receiver.script = [500, 503];
      expect(
        (
          await call('agentReport', {
            body: {
              type: 'hello',
              capabilities: { agentVersion: '0.1.0', engine: 'sim', hostname: 'd1', kernel: '6.1.0', ipvsVersion: '1.2.1', ipvsadmVersion: null, connTableSize: 4096, schedulers: ['wrr'] },
              lastAppliedRevision: null,
            },
            as: agent,
          })
        ).status,
      ).toBe(200);
      const nack = {
        type: 'nack',
        revision: 1,
        hash: 'x',
        failedOp: null,
        command: 'ipvsadm -A -t 192.0.2.10:80 -s nope',
        message: 'Scheduler not found: ip_vs_nope.ko',
        exitCode: 255,
        opsApplied: 0,
      };
      expect((await call('agentReport', { body: nack, as: agent })).status).toBe(200);
      const prisma = await db();
      const row = await until(() => prisma.alertDelivery.findFirst({ where: { event: { kind: 'nack' } } }));
      const t0 = Date.now();
      expect(await runDueDeliveries(t0, { claimer: 'a' })).toBe(1);
      let d = await prisma.alertDelivery.findUniqueOrThrow({ where: { id: row.id } });
      expect(d).toMatchObject({ status: 'pending', attempts: 1, responseCode: 500, lastError: 'HTTP 500: boom' });
      expect(d.nextAttemptAt.getTime()).toBe(t0 + 2000);
      expect(await runDueDeliveries(t0 + 1999, { claimer: 'a' })).toBe(0);
      // the console restarts: the pending retry is in the database, not in memory
      await closeDb();
      expect(await runDueDeliveries(t0 + 2000, { claimer: 'b' })).toBe(1);
      d = await (await db()).alertDelivery.findUniqueOrThrow({ where: { id: row.id } });
      expect(d).toMatchObject({ status: 'pending', attempts: 2, responseCode: 503 });
      expect(d.nextAttemptAt.getTime()).toBe(t0 + 2000 + 4000);
      expect(await runDueDeliveries(t0 + 5999, { claimer: 'b' })).toBe(0);
      expect(await runDueDeliveries(t0 + 6000, { claimer: 'b' })).toBe(1);
      d = await (await db()).alertDelivery.findUniqueOrThrow({ where: { id: row.id } });
      expect(d).toMatchObject({ status: 'delivered', attempts: 3, responseCode: 200, lastError: null });
      const got = receiver.ofKind('nack');
      expect(got).toHaveLength(3);
      expect(new Set(got.map((g) => (g.body as { id: string }).id)).size).toBe(1);
      expect(got[2]!.body).toMatchObject({ kind: 'nack', cluster: 'demo', subject: 'sim-1', details: { message: 'Scheduler not found: ip_vs_nope.ko' } });
      const log = await call('listAlertDeliveries', { params: { cluster: 'demo' }, as: admin });
      expect(log.body.deliveries.find((x: { id: string }) => x.id === row.id)).toMatchObject({ status: 'delivered', attempts: 3, responseCode: 200, target: 'ops', kind: 'nack' });
    });

    it('two claimers send each of many deliveries exactly once', async () => {
      const prisma = await db();
      const cluster = await prisma.cluster.findUniqueOrThrow({ where: { name: 'demo' } });
      const before = receiver.ofKind('flapping').length;
      for (let i = 0; i < 12; i++) await enqueueAlert({ kind: 'flapping', clusterId: cluster.id, summary: `flap ${i}`, details: {}, at: Date.now() });
      const now = Date.now();
      const [a, b] = await Promise.all([runDueDeliveries(now, { claimer: 'a' }), runDueDeliveries(now, { claimer: 'b' })]);
      expect(a + b).toBe(12);
      const got = receiver.ofKind('flapping').slice(before);
      expect(got).toHaveLength(12);
      expect(new Set(got.map((g) => (g.body as { id: string }).id)).size).toBe(12);
      expect(await prisma.alertDelivery.count({ where: { event: { kind: 'flapping' }, status: 'delivered' } })).toBe(12);
    });

    it('a condition raised by several processes (same dedupKey) is stored and delivered once; the disconnect timer raises once', async () => {
      const prisma = await db();
      const cluster = await prisma.cluster.findUniqueOrThrow({ where: { name: 'demo' } });
      const e = { kind: 'flapping' as const, clusterId: cluster.id, summary: 'same', details: {}, at: Date.now(), dedupKey: 'flapping:test:1' };
      const [x, y] = await Promise.all([enqueueAlert(e), enqueueAlert(e)]);
      expect([x, y].filter(Boolean)).toHaveLength(1);
      // the demo's directors (sim-1 and sim-2) both went away two minutes ago
      const gone = await prisma.director.updateMany({ where: { clusterId: cluster.id }, data: { connectedAt: null, lastSeenAt: new Date(Date.now() - 120_000) } });
      expect(gone.count).toBeGreaterThan(0);
      expect(await checkDisconnectedDirectors()).toBe(gone.count);
      expect(await checkDisconnectedDirectors()).toBe(gone.count); // seen again by the next tick (or another process) ...
      await until(async () => (await prisma.alertEvent.count({ where: { kind: 'director_disconnected' } })) === gone.count);
      await new Promise((r) => setTimeout(r, 100));
      expect(await prisma.alertEvent.count({ where: { kind: 'director_disconnected' } })).toBe(gone.count); // ... and stored once each
    });

    it('stores reported transitions once with the probe error, answers history and availability, raises flapping, bounds retention', async () => {
      const prisma = await db();
      await prisma.alertDelivery.deleteMany({});
      await prisma.alertEvent.deleteMany({});
      const base = Date.now() - 5 * 60_000;
      const server = { address: '10.0.1.12', port: 8080 };
      const transitions = [0, 1, 2, 3].map((i) => ({
        service: SERVICE,
        server,
        healthy: i % 2 === 1,
        at: new Date(base + i * 60_000).toISOString(),
        reason: i % 2 ? '1 consecutive good http checks: ok (2 ms)' : '3 consecutive failed http checks: HTTP 503 (expected 200)',
        ...(i % 2 ? {} : { error: 'HTTP 503 (expected 200)' }),
      }));
      const states = [{ service: SERVICE, server, healthy: true, reason: 'ok', since: transitions[3]!.at, lastCheck: transitions[3]!.at }];
      expect((await call('agentReport', { body: { type: 'health', states, transitions }, as: agent })).status).toBe(200);
      expect((await call('agentReport', { body: { type: 'health', states, transitions }, as: agent })).status).toBe(200); // the agent repeats them
      const hist = await call('healthHistory', { params: { cluster: 'demo' }, query: { service: SERVICE_ID }, as: admin });
      expect(hist.status).toBe(200);
      expect(hist.body.transitions).toHaveLength(4);
      expect(hist.body.transitions[3]).toMatchObject({ director: 'sim-1', server: '10.0.1.12|8080', healthy: false, error: 'HTTP 503 (expected 200)' });
      const av = await call('healthAvailability', { params: { cluster: 'demo' }, query: { service: SERVICE_ID }, as: admin });
      const row = av.body.servers.find((s: { server: string }) => s.server === '10.0.1.12|8080');
      expect(row).toMatchObject({ director: 'sim-1', healthy: true, flapping: true, transitions24h: 4 });
      expect(row.availability['24h']).toBeGreaterThan(0);
      expect(row.availability['24h']).toBeLessThan(1);
      await until(() => prisma.alertEvent.findFirst({ where: { kind: 'flapping' } }));
      expect(await prisma.alertEvent.count({ where: { kind: 'flapping' } })).toBe(1);
      const tl = await call('serviceTimeline', { params: { cluster: 'demo' }, query: { service: SERVICE_ID, hours: 1 }, as: admin });
      expect(tl.body.marks.filter((m: { kind: string }) => m.kind === 'health')).toHaveLength(4);
      expect(tl.body.marks.some((m: { kind: string; change?: string }) => m.kind === 'config' && m.change === 'added')).toBe(true);
      // retention: a transition older than the retention goes
      const director = await prisma.director.findFirstOrThrow({ where: { name: 'sim-1' } });
      await prisma.healthTransition.create({
        data: {
          clusterId: director.clusterId,
          directorId: director.id,
          serviceKey: SERVICE_ID,
          serverKey: '10.0.1.11|8080',
          at: new Date(Date.now() - (HEALTH_RETENTION_DAYS + 1) * 86_400_000),
          healthy: false,
          reason: 'old',
        },
      });
      expect(await pruneHealthHistory()).toBe(1);
      expect(await prisma.healthTransition.count()).toBe(4);
    });

    it('a test send goes through the queue into the delivery log; Slack targets get { text }; redirects are not followed', async () => {
      const slack = await call('createAlertTarget', { params: { cluster: 'demo' }, body: { name: 'chat', url: `${receiver.url}/slack`, format: 'slack' }, as: admin });
      expect(slack.status).toBe(201);
      const sent = await call('testAlertTarget', { params: { cluster: 'demo', target: 'chat' }, as: admin });
      expect(sent.status).toBe(202);
      await until(async () => (await (await db()).alertDelivery.findUnique({ where: { id: sent.body.deliveryId } }))?.status === 'delivered');
      expect(receiver.bodies.filter((b) => b.path === '/slack').at(-1)!.body).toEqual({ text: expect.stringMatching(/^\[demo\] test: Test alert from LVS Console, sent by admin/) });
      const redirect = await call('createAlertTarget', { params: { cluster: 'demo' }, body: { name: 'moved', url: `${receiver.url}/redirect` }, as: admin });
      const r = await call('testAlertTarget', { params: { cluster: 'demo', target: redirect.body.id }, as: admin });
      const d = await until(async () => {
        const x = await (await db()).alertDelivery.findUnique({ where: { id: r.body.deliveryId } });
        return x && x.attempts > 0 && x.status !== 'sending' ? x : null;
      });
      expect(d).toMatchObject({ status: 'pending', responseCode: 302, lastError: 'HTTP 302: redirect to file:///etc/passwd not followed' });
      const audit = await call('listAudit', { query: { action: 'alerts.' }, as: admin });
      expect(audit.body.events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['alerts.target.create', 'alerts.test']));
      // raiseAlert itself reaches the queue too (the seam detectors use)
      raiseAlert({
        kind: 'split_brain',
        clusterId: (await (await db()).cluster.findUniqueOrThrow({ where: { name: 'demo' } })).id,
        summary: 'VIP 192.0.2.10 on sim-1 and sim-2',
        details: {},
        at: Date.now(),
      });
      await until(async () => (await (await db()).alertEvent.count({ where: { kind: 'split_brain' } })) === 1);
    });
  });
}
