// Issue 11, one attack per finding, each on a started server over real HTTP (loopback only,
// bounded loops): the attack is refused, and nothing was stored or grew past its bound.
// Distinct clients are distinct loopback source addresses (127.0.0.2, 127.0.0.3, …).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/server/db';
import { createUser } from '@/lib/server/users';
import { FREE_PAIR_FAILURES } from '@/lib/server/auth/throttle';
import { TRANSIENT_MAX } from '@/lib/server/stats-admission';
import { PLAN_PAGE } from '@/lib/server/plan-page';
import { createTestDb, type TestDb } from '../db/harness';
import { startServer, type Server } from '../integration/harness';
import { jsonPost, rssMb, send, type RawRequest } from './http';

const PASSWORD = 'correct horse battery staple';
const SYSTEM = { actor: 'test', clientIp: null };
const WEB = { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', realServers: [{ address: '10.0.1.1', port: 80, weight: 1 }] };

let tdb: TestDb;
let server: Server;
let base: string;
let adminCookie: string;

async function signIn(username: string, password: string, from: string): Promise<string> {
  const r = await send(base, '/api/v1/auth/login', { ...jsonPost({ username, password }), from });
  expect(r.status, r.text).toBe(200);
  return String(r.headers['set-cookie']).split(';')[0]!;
}

/** A cookie-authenticated write from this console's own page. */
function asAdmin(method: string, body?: unknown, from = '127.0.0.1'): RawRequest {
  return {
    method,
    from,
    headers: { cookie: adminCookie, origin: base, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

async function auditRows(action: string) {
  const prisma = await db();
  return prisma.auditEvent.findMany({ where: { action }, orderBy: { at: 'asc' } });
}

beforeAll(async () => {
  tdb = await createTestDb('sqlite');
  await createUser({ username: 'admin', password: PASSWORD, role: 'admin' }, SYSTEM);
  await createUser({ username: 'olga', password: PASSWORD, role: 'operator' }, SYSTEM);
  server = await startServer(tdb.url);
  base = server.url;
  adminCookie = await signIn('admin', PASSWORD, '127.0.0.1');
  const c = await send(base, '/api/v1/clusters', asAdmin('POST', { name: 'web', config: { services: [WEB] } }));
  expect(c.status, c.text).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await tdb?.drop();
});

describe('issue 11: attacks on a running console', () => {
  it('#1 a chunked body past the limit is refused while it streams (413), and the server does not keep it', async () => {
    const before = rssMb(server.proc.pid!);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    // 40 MB, chunked (no Content-Length): more than any limit, sent to the unauthenticated sign-in
    const chunks = function* () {
      yield '{"username":"admin","password":"';
      for (let i = 0; i < 640; i++) yield chunk;
      yield '"}';
    };
    const r = await send(base, '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: chunks(), from: '127.0.0.20' });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/larger than/);
    expect(rssMb(server.proc.pid!) - before).toBeLessThan(40);
    // and an authenticated write is bounded too (32 MB)
    const big = function* () {
      yield '{"name":"x","description":"';
      for (let i = 0; i < 34 * 16; i++) yield chunk;
      yield '"}';
    };
    const r2 = await send(base, '/api/v1/clusters', {
      ...asAdmin('POST'),
      headers: { cookie: adminCookie, origin: base, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: big(),
    });
    expect(r2.status).toBe(413);
  });

  it('#2 X-Forwarded-For/-Host/-Proto from a client that is not a trusted proxy are ignored', async () => {
    const from = '127.0.0.21';
    const forged = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `198.51.100.${i}` });
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) answers.push((await send(base, '/api/v1/auth/login', { ...jsonPost({ username: 'sprayed', password: 'wrong password' }, forged(i)), from })).status);
    // the forged addresses did not make 12 clients out of one: it was throttled after its free failures
    expect(answers.slice(0, FREE_PAIR_FAILURES).every((s) => s === 401)).toBe(true);
    expect(answers.slice(FREE_PAIR_FAILURES)).toContain(429);
    const rows = await auditRows('login.failure');
    const sprayed = rows.filter((r) => r.target === 'sprayed');
    expect(sprayed.length).toBe(FREE_PAIR_FAILURES);
    expect(new Set(sprayed.map((r) => r.clientIp))).toEqual(new Set([from]));
    // a forged X-Forwarded-Host is not an allowed Origin…
    const csrf = await send(base, '/api/v1/clusters', {
      ...asAdmin('POST', { name: 'csrf' }),
      headers: { cookie: adminCookie, 'content-type': 'application/json', origin: 'http://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    });
    expect(csrf.status).toBe(403);
    // …nor the host in the agent command shown at registration, nor the OpenAPI servers
    const reg = await send(base, '/api/v1/clusters/web/directors', {
      ...asAdmin('POST', { name: 'lb-forged' }),
      headers: { cookie: adminCookie, origin: base, 'content-type': 'application/json', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    expect(reg.status, reg.text).toBe(201);
    expect(JSON.stringify(reg.json)).not.toContain('evil.example');
    const oa = await send(base, '/api/v1/openapi.json', { headers: { 'x-forwarded-host': 'evil.example' } });
    expect(JSON.stringify(oa.json.servers)).not.toContain('evil.example');
  });

  it('#3 a flood against one account slows the attacker and never locks the owner out of their own address', async () => {
    const attacker = '127.0.0.22';
    const statuses: number[] = [];
    const retryAfter: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await send(base, '/api/v1/auth/login', { ...jsonPost({ username: 'olga', password: `guess ${i}` }), from: attacker });
      statuses.push(r.status);
      if (r.status === 429) retryAfter.push(Number(r.headers['retry-after']));
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(FREE_PAIR_FAILURES + 1);
    expect(retryAfter.length).toBeGreaterThan(0);
    expect(retryAfter.every((s) => s >= 1)).toBe(true);
    // the owner, at their own address, signs in at once
    expect((await send(base, '/api/v1/auth/login', { ...jsonPost({ username: 'olga', password: PASSWORD }), from: '127.0.0.23' })).status).toBe(200);
    // the flood left a bounded trace: the failures that were tried, and one "blocked" per refusal streak
    expect((await auditRows('login.failure')).filter((r) => r.target === 'olga').length).toBeLessThanOrEqual(FREE_PAIR_FAILURES + 1);
    expect((await auditRows('login.blocked')).filter((r) => r.target === 'olga').length).toBeLessThanOrEqual(2);
  });

  it('#4 parallel attempts are counted before any password check completes', async () => {
    const from = '127.0.0.24';
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => send(base, '/api/v1/auth/login', { ...jsonPost({ username: 'admin', password: `parallel ${i}` }), from })));
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(FREE_PAIR_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10 - FREE_PAIR_FAILURES);
  });

  it('#6 an agent cannot fill the stats store with made-up real servers', async () => {
    const reg = await send(base, '/api/v1/clusters/web/directors', asAdmin('POST', { name: 'lb-stats' }));
    expect(reg.status, reg.text).toBe(201);
    const token = reg.json.token as string;
    const zero = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
    const rates = { cps: 1, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
    const rs = (i: number) => ({ address: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 80, activeConns: 1, inactConns: 0, persistConns: 0, counters: zero, rates });
    for (let batch = 0; batch < 3; batch++) {
      const services = [
        {
          service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
          counters: zero,
          rates,
          realServers: [{ ...rs(0), address: '10.0.1.1' }, ...Array.from({ length: 5000 }, (_, i) => rs(batch * 5000 + i))],
        },
        ...Array.from({ length: 200 }, (_, i) => ({ service: { protocol: 'tcp', address: `10.9.${batch}.${i}`, port: 80 }, counters: zero, rates, realServers: [] })),
      ];
      const r = await send(base, '/api/v1/agent/stats', { ...jsonPost({ samples: [{ at: Date.now(), totals: { counters: zero, rates }, services }] }, { authorization: `Bearer ${token}` }) });
      expect(r.status, r.text).toBe(200);
      expect(r.json.dropped.series).toBeGreaterThan(0);
    }
    const cur = await send(base, '/api/v1/clusters/web/stats/current?servers=1', { headers: { cookie: adminCookie } });
    expect(cur.status, cur.text).toBe(200);
    const services = Object.keys(cur.json.services).length;
    const servers = Object.values(cur.json.realServers as Record<string, Record<string, unknown>>).reduce((n, m) => n + Object.keys(m).length, 0);
    // the configured service and server, plus at most the transient allowance
    expect(services + servers).toBeLessThanOrEqual(2 + TRANSIENT_MAX);
    expect(cur.json.realServers['tcp|10.0.0.1|80']?.['10.0.1.1|80']).toBeDefined();
  });

  it('#7 a large import answers a summary with a paged plan, not every op of every director', async () => {
    const lines: string[] = [];
    for (let s = 0; s < 100; s++) {
      lines.push(`-A -t 10.1.${s}.1:80 -s wrr`);
      for (let r = 0; r < 20; r++) lines.push(`-a -t 10.1.${s}.1:80 -r 172.20.${s}.${r + 1}:8080 -m -w 1`);
    }
    const text = `${lines.join('\n')}\n`;
    const revs = await send(base, '/api/v1/clusters/web/revisions', { headers: { cookie: adminCookie } });
    const baseRevision = revs.json.revisions[0].number as number;
    const r = await send(base, '/api/v1/clusters/web/import', asAdmin('POST', { format: 'rules', text, baseRevision, dryRun: true }));
    expect(r.status, r.text.slice(0, 500)).toBe(200);
    expect(r.json.plan.config.services).toHaveLength(100);
    for (const d of r.json.plan.directors) {
      expect(d.ops.length).toBeLessThanOrEqual(PLAN_PAGE);
      expect(d.commands.length).toBe(d.ops.length);
      expect(d.opsTotal).toBeGreaterThan(2000);
    }
    // the answer is about the size of what was sent, not of every director's plan
    expect(r.text.length).toBeLessThan(text.length * 6 + 500_000);
  });

  it('#8 a token created by an expiring token expires with it at the latest', async () => {
    const t1 = await send(base, '/api/v1/tokens', asAdmin('POST', { name: 'short', role: 'operator', expiresInDays: 1 }));
    expect(t1.status, t1.text).toBe(201);
    const bearer = { authorization: `Bearer ${t1.json.secret}`, 'content-type': 'application/json' };
    const forever = await send(base, '/api/v1/tokens', { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'forever', role: 'operator' }) });
    expect(forever.status, forever.text).toBe(201);
    expect(forever.json.token.expiresAt).not.toBeNull();
    expect(Date.parse(forever.json.token.expiresAt)).toBeLessThanOrEqual(Date.parse(t1.json.token.expiresAt));
    const longer = await send(base, '/api/v1/tokens', { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'longer', role: 'operator', expiresInDays: 3650 }) });
    expect(longer.status).toBe(422);
    const higher = await send(base, '/api/v1/tokens', { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'higher', role: 'admin', expiresInDays: 1 }) });
    expect(higher.status).toBe(403);
    const prisma = await db();
    expect(await prisma.apiToken.count({ where: { name: { in: ['longer', 'higher'] } } })).toBe(0);
  });

  it('#9 a stray cookie that is not ours does not break the session', async () => {
    for (const cookie of [`theme=100%; ${adminCookie}`, `${adminCookie}; x=%E0%A4%A`, `a=%; b=%%; ${adminCookie}`]) {
      const r = await send(base, '/api/v1/auth/me', { headers: { cookie } });
      expect(r.status, `${cookie}: ${r.text}`).toBe(200);
      expect(r.json.user.username).toBe('admin');
    }
    expect((await send(base, '/api/v1/auth/me', { headers: { cookie: 'lvs_session=%' } })).status).toBe(401); // no session we can read: signed out, not 500
  });

  it('#10 lone surrogates and NUL are refused with 400 everywhere, and nothing is stored', async () => {
    const bad = ['x\ud800y', 'x\udc00', 'nul\u0000byte'];
    const prisma = await db();
    const tokensBefore = await prisma.apiToken.count();
    for (const s of bad) {
      expect((await send(base, '/api/v1/auth/login', { ...jsonPost(`{"username":${JSON.stringify(s)},"password":"whatever it is"}`), from: '127.0.0.25' })).status).toBe(400);
      expect((await send(base, '/api/v1/tokens', asAdmin('POST', { name: s, role: 'viewer' }))).status).toBe(400);
      expect((await send(base, '/api/v1/clusters', asAdmin('POST', { name: 'ok-name', description: s }))).status).toBe(400);
    }
    // a URL cannot carry a lone surrogate (bad UTF-8 decodes to U+FFFD), but it can carry NUL
    expect((await send(base, '/api/v1/audit?actor=a%00b', { headers: { cookie: adminCookie } })).status).toBe(400);
    // the raw escape in the JSON text (what a fuzzer sends), and a key that is ill-formed
    expect((await send(base, '/api/v1/clusters', asAdmin('POST'))).status).toBeLessThan(500);
    const raw = await send(base, '/api/v1/clusters', {
      ...asAdmin('POST'),
      headers: { cookie: adminCookie, origin: base, 'content-type': 'application/json' },
      body: '{"name":"raw","description":"\\ud800"}',
    });
    expect(raw.status).toBe(400);
    expect(raw.json.issues[0].path).toBe('body.description');
    const key = await send(base, '/api/v1/clusters', { ...asAdmin('POST'), headers: { cookie: adminCookie, origin: base, 'content-type': 'application/json' }, body: '{"name":"key","\\udfff":1}' });
    expect(key.status).toBe(400);
    expect(await prisma.cluster.count({ where: { name: { in: ['ok-name', 'raw', 'key'] } } })).toBe(0);
    expect(await prisma.apiToken.count()).toBe(tokensBefore);
  });

  it('#11 a password reset revokes the API tokens; a password change is throttled and audited', async () => {
    await createUser({ username: 'pat', password: PASSWORD, role: 'operator' }, SYSTEM);
    const patCookie = await signIn('pat', PASSWORD, '127.0.0.26');
    const tok = await send(base, '/api/v1/tokens', {
      method: 'POST',
      from: '127.0.0.26',
      headers: { cookie: patCookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'pat-ci', role: 'operator' }),
    });
    expect(tok.status, tok.text).toBe(201);
    const patToken = { authorization: `Bearer ${tok.json.secret}` };
    expect((await send(base, '/api/v1/auth/me', { headers: patToken })).status).toBe(200);
    // the password change: wrong current passwords are throttled like sign-ins, and audited
    const statuses: number[] = [];
    for (let i = 0; i < FREE_PAIR_FAILURES + 3; i++) {
      const r = await send(base, '/api/v1/auth/password', {
        method: 'POST',
        from: '127.0.0.26',
        headers: { cookie: patCookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword: `wrong ${i}`, newPassword: 'a brand new password 1' }),
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, FREE_PAIR_FAILURES).every((s) => s === 422)).toBe(true);
    expect(statuses.slice(FREE_PAIR_FAILURES)).toContain(429);
    expect((await auditRows('user.password.failure')).filter((r) => r.target === 'pat')).toHaveLength(FREE_PAIR_FAILURES);
    // an admin resets pat's password: pat's token dies with the old password
    const reset = await send(base, '/api/v1/users/pat', asAdmin('PATCH', { password: 'reset by the admin 1' }));
    expect(reset.status, reset.text).toBe(200);
    expect((await send(base, '/api/v1/auth/me', { headers: patToken })).status).toBe(401);
  });

  it('#13 /login?next= cannot send the browser to another site', async () => {
    const { safeNext } = await import('@/lib/api/safe-next');
    const attempts = ['/%5Cevil.com', '/\\evil.com', '//evil.com', '/\\/evil.com', '/\t/evil.com', 'https://evil.com', '/%2F%2Fevil.com'];
    for (const a of attempts) {
      const target = safeNext(new URLSearchParams(`next=${encodeURIComponent(a)}`).get('next'));
      expect(new URL(target, base).host, a).toBe(new URL(base).host);
    }
    // what the browser gets for the raw query of the report: decoded, it is "/\evil.com"
    expect(safeNext(new URLSearchParams('next=/%5Cevil.com').get('next'))).toBe('/');
    expect(safeNext('/clusters/web?tab=plan#x')).toBe('/clusters/web?tab=plan#x');
  });

  it('#14 a path that is not valid percent-encoding answers JSON 400', async () => {
    const r = await send(base, '/api/v1/clusters/%E0%A4%A', { headers: { cookie: adminCookie } });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/json/);
    expect(r.json.error).toMatch(/percent-encoding/);
  });

  it('#15 only application/json (or +json) bodies are parsed', async () => {
    for (const type of ['text/plain; charset=json', 'application/x-www-form-urlencoded', 'text/json', 'application/jsonx']) {
      const r = await send(base, '/api/v1/clusters', { ...asAdmin('POST'), headers: { cookie: adminCookie, origin: base, 'content-type': type }, body: JSON.stringify({ name: `ct-${type.length}` }) });
      expect(r.status, type).toBe(415);
    }
    const ok = await send(base, '/api/v1/clusters', {
      ...asAdmin('POST'),
      headers: { cookie: adminCookie, origin: base, 'content-type': 'application/merge-patch+json; charset=utf-8' },
      body: JSON.stringify({ name: 'ct-ok' }),
    });
    expect(ok.status, ok.text).toBe(201);
    const prisma = await db();
    expect(await prisma.cluster.count({ where: { name: { startsWith: 'ct-' } } })).toBe(1);
  });
});
