// Scale-out: two control-plane processes on one PostgreSQL. A revision saved through A reaches an
// agent connected to B; stats posted to B reach a browser stream on A; a connection query asked
// on A is answered by the agent on B; revoking on A cuts the stream on B. (PostgreSQL LISTEN/NOTIFY.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD } from '@/lib/api/stats-fields';
import { createCluster } from '@/lib/server/clusters';
import { db } from '@/lib/server/db';
import { registerDirector } from '@/lib/server/directors';
import { createToken, createUser } from '@/lib/server/users';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import type { DesiredRevision } from '@/lib/protocol/messages';
import { SseReader } from '../api/sse-reader';
import { createTestDb, PG_URL, REQUIRE_PG, type TestDb } from '../db/harness';
import { startServer, type Server } from './harness';

const WEB_KEY = { protocol: 'tcp', address: '10.9.0.1', port: 80 } as const;

function snapshot(at: number, cps: number): StatsSnapshot {
  const z = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  const rates = { cps, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
  return {
    at,
    totals: { counters: z, rates },
    services: [{ service: WEB_KEY, counters: z, rates, realServers: [{ address: '10.9.1.1', port: 80, activeConns: 4, inactConns: 1, persistConns: 0, counters: z, rates }] }],
  };
}

describe.runIf(PG_URL || REQUIRE_PG)('two control-plane processes on one PostgreSQL', () => {
  let tdb: TestDb;
  let a: Server;
  let b: Server;
  let op: string;
  let agentToken: string;
  let agent: SseReader;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-scale-'));

  const api = (s: Server, p: string, init: RequestInit = {}) =>
    fetch(`${s.url}${p}`, { ...init, headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const asAgent = (s: Server, p: string, body: unknown) =>
    fetch(`${s.url}${p}`, { method: 'POST', headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    tdb = await createTestDb('postgres');
    const sys = { actor: 'test', clientIp: null };
    await createUser({ username: 'admin', password: 'correct horse battery staple', role: 'admin' }, sys);
    const u = await (await db()).user.findUniqueOrThrow({ where: { username: 'admin' } });
    op = (await createToken({ kind: 'user', via: 'session', userId: u.id, username: 'admin', role: 'admin', userRole: 'admin', actor: 'admin' }, { name: 'it', role: 'operator' }, sys)).secret;
    await createCluster({ name: 'edge', description: '', driftPolicy: 'enforce', config: { globals: { timeouts: null, syncDaemons: [] }, services: [] } }, sys);
    agentToken = (await registerDirector('edge', 'lb1', sys, 'http://x')).token;
    [a, b] = await Promise.all([startServer(tdb.url), startServer(tdb.url)]);
  });

  afterAll(async () => {
    await agent?.cancel();
    await Promise.all([a?.stop(), b?.stop()]);
    await tdb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a revision committed through A is pushed to the agent connected to B', async () => {
    const res = await fetch(`${b.url}/api/v1/agent/stream`, { headers: { authorization: `Bearer ${agentToken}` } });
    expect(res.status).toBe(200);
    agent = new SseReader(res.body!);
    expect((await agent.next<DesiredRevision>('desired')).revision).toBe(1);
    const status = await (await api(a, '/api/v1/clusters/edge/directors/lb1')).json();
    expect(status.connected).toBe(true);
    const r = await api(a, '/api/v1/clusters/edge/changes', {
      method: 'POST',
      body: JSON.stringify({ baseRevision: 1, message: 'via A', changes: [{ op: 'add-service', service: { ...WEB_KEY, scheduler: 'rr', realServers: [{ address: '10.9.1.1' }] } }] }),
    });
    expect(r.status).toBe(201);
    const pushed = await agent.next<DesiredRevision>('desired', 10_000, (d) => d.revision === 2);
    expect(pushed.config.services[0]).toMatchObject({ address: '10.9.0.1', scheduler: 'rr' });
    // one revision, one event: no duplicate from the other process
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.pending('desired')).toBe(0);
  });

  it('stats posted to B reach a browser stream on A', async () => {
    const res = await api(a, '/api/v1/clusters/edge/stats/stream?director=lb1&backfill=1m');
    expect(res.headers.get('content-type')).toMatch(/event-stream/);
    const browser = new SseReader(res.body!);
    await browser.next('backfill');
    const now = Date.now();
    const post = await asAgent(b, '/api/v1/agent/stats', { samples: [snapshot(now - 2000, 77), snapshot(now - 1000, 77), snapshot(now, 77)] });
    expect(post.status).toBe(200);
    const s = await browser.next<{ total: { cps: number; activeConns: number } }>('sample', 10_000, (x) => x.total.cps === 77);
    expect(s.total.activeConns).toBe(4);
    await browser.cancel();
    const live = await (await api(a, '/api/v1/clusters/edge/stats/live?director=lb1&range=1m')).json();
    expect(live.total.points.some((p: { cps: number }) => p.cps === 77)).toBe(true);
  });

  it('a report posted to B is a director-status event on a browser stream on A, and the table deltas follow the stats posted to B', async () => {
    const res = await api(a, '/api/v1/clusters/edge/stats/stream?backfill=1m&table=all');
    const browser = new SseReader(res.body!);
    const first = await browser.next<{ directors: { name: string; lastVerifiedAt: string | null }[] }>('director-status');
    expect(first.directors.map((d) => d.name)).toEqual(['lb1']);
    await browser.next('table');
    const desired = (await (await api(a, '/api/v1/clusters/edge')).json()).config;
    expect((await asAgent(b, '/api/v1/agent/report', { type: 'state', actual: desired, drift: null })).status).toBe(200);
    const st = await browser.next<{ directors: { lastVerifiedAt: string | null }[] }>('director-status', 10_000, (e) => e.directors[0]?.lastVerifiedAt !== null);
    expect(st.directors[0]!.lastVerifiedAt).not.toBeNull();
    const now = Date.now();
    expect((await asAgent(b, '/api/v1/agent/stats', { samples: [snapshot(now, 91)] })).status).toBe(200);
    const delta = await browser.next<{ rows: [string, ...number[]][] }>('table-delta', 10_000, (d) => d.rows.some((r) => r[0] === 'tcp|10.9.0.1|80'));
    expect(delta.rows.find((r) => r[0] === 'tcp|10.9.0.1|80')![1 + FIELD.cps]).toBe(91);
    await browser.cancel();
  });

  it('a connection query asked on A is answered by the agent on B', async () => {
    const pending = api(a, '/api/v1/clusters/edge/directors/lb1/connections?state=ESTABLISHED&limit=5');
    const q = await agent.next<{ requestId: string; filter: { state: string } }>('conn-query');
    expect(q.filter.state).toBe('ESTABLISHED');
    const entries = Array.from({ length: 5 }, (_, i) => ({
      protocol: 'TCP',
      clientAddress: `198.51.100.${i + 1}`,
      clientPort: 40000 + i,
      virtualAddress: '10.9.0.1',
      virtualPort: 80,
      destAddress: '10.9.1.1',
      destPort: 80,
      state: 'ESTABLISHED',
      expires: 800,
      template: false,
    }));
    expect((await asAgent(b, '/api/v1/agent/connections', { requestId: q.requestId, total: 1234, entries })).status).toBe(200);
    const page = await (await pending).json();
    expect(page).toMatchObject({ director: 'lb1', total: 1234, limit: 5 });
    expect(page.entries).toHaveLength(5);
  });

  it('revoking the director on A closes its stream on B', async () => {
    const r = await api(a, '/api/v1/clusters/edge/directors/lb1/revoke', { method: 'POST' });
    expect(r.status).toBe(200);
    await Promise.race([agent.pump, new Promise((_, rej) => setTimeout(() => rej(new Error('stream on B still open 10 s after the revoke')), 10_000))]);
    expect(agent.closed).toBe(true);
    // B forgets the token when the bus tells it; its cache holds a token at most 5 s in any case
    await expect.poll(async () => (await asAgent(b, '/api/v1/agent/report', { type: 'health', states: [] })).status, { timeout: 6_000, interval: 250 }).toBe(401);
  });
});
