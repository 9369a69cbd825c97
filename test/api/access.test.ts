// Every route in app/api is in the endpoint table and goes through the auth wrapper, and every
// non-public route refuses anonymous callers (401) and callers below its role (403); director
// tokens work only on agent routes and user credentials never do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, type EndpointDef, type EndpointId } from '@/lib/api/endpoints';
import { ROLE_RANK, type Role } from '@/lib/api/schemas';
import { createUser, createToken } from '@/lib/server/users';
import { seedDemo } from '@/lib/server/seed';
import { createTestDb, type TestDb } from '../db/harness';
import { call, loadHandler, root, routeFile, signIn, type Caller } from './caller';

const ids = Object.keys(endpoints) as EndpointId[];
const PASSWORD = 'correct horse battery staple';

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(p) : e.name === 'route.ts' ? [p] : [];
  });
}

describe('the endpoint table and app/api agree', () => {
  it('every endpoint has a handler made by route() for its own id', async () => {
    for (const id of ids) {
      const h = (await loadHandler(id)) as unknown as { endpoint?: string };
      expect(h.endpoint, `${id}: ${routeFile(endpoints[id].path)}`).toBe(id);
    }
  });
  it('every exported handler in app/api is in the table (no route escapes the auth wrapper)', async () => {
    const known = new Set(ids.map((id) => `${routeFile(endpoints[id].path)} ${endpoints[id].method}`));
    const catchAll = path.join(root, 'app', 'api', '[...path]', 'route.ts');
    for (const file of routeFiles(path.join(root, 'app', 'api'))) {
      const mod = (await import(file)) as Record<string, unknown>;
      if (file === catchAll) continue; // answers 404 for unknown paths; tested below
      for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) {
        if (mod[m]) expect(known.has(`${file} ${m}`), `${path.relative(root, file)} exports ${m} that is not in lib/api/endpoints.ts`).toBe(true);
      }
      expect(mod.runtime, `${path.relative(root, file)} must run on Node`).toBe('nodejs');
    }
  });
  it('an unknown API path is a JSON 404, for any method', async () => {
    const mod = (await import(path.join(root, 'app', 'api', '[...path]', 'route.ts'))) as Record<string, (r: Request) => Promise<Response>>;
    for (const m of ['GET', 'POST', 'DELETE']) {
      const res = await mod[m]!(new Request('http://console.test/api/v1/nope', { method: m }));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `no API endpoint ${m} /api/v1/nope (see /api/v1/openapi.json)`, issues: [] });
    }
  });
  it('only health, login and the OpenAPI document are public', () => {
    expect(ids.filter((id) => endpoints[id].access === 'public').sort()).toEqual(['health', 'login', 'openapi']);
  });
});

describe('anonymous and under-privileged callers are refused', () => {
  let db: TestDb;
  const as: Record<Role, Caller> & { directorToken: Caller; viewerToken: Caller; operatorToken: Caller } = {} as never;

  beforeAll(async () => {
    db = await createTestDb('sqlite');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-access-'));
    const seeded = await seedDemo({ adminPassword: PASSWORD, tokenFile: path.join(dir, 'agent.token') });
    const system = { actor: 'test', clientIp: null };
    await createUser({ username: 'olga', password: PASSWORD, role: 'operator' }, system);
    await createUser({ username: 'vic', password: PASSWORD, role: 'viewer' }, system);
    as.admin = await signIn('admin', PASSWORD);
    as.operator = await signIn('olga', PASSWORD);
    as.viewer = await signIn('vic', PASSWORD);
    as.directorToken = { token: seeded.agentToken };
    // an admin's token that carries only viewer: the token's role, not the owner's, decides
    const me = {
      kind: 'user' as const,
      via: 'session' as const,
      userId: (await call('me', { as: as.admin })).body.user.id,
      username: 'admin',
      role: 'admin' as Role,
      userRole: 'admin' as Role,
      actor: 'admin',
    };
    as.viewerToken = { token: (await createToken(me, { name: 'ro', role: 'viewer' }, system)).secret };
    as.operatorToken = { token: (await createToken(me, { name: 'ops', role: 'operator' }, system)).secret };
  });
  afterAll(async () => db.drop());

  const params = { cluster: 'demo', director: 'sim-1', revision: 1, user: 'vic', token: 'nope', target: 'nope' };
  const paramsFor = (def: EndpointDef) => Object.fromEntries(Object.entries(params).filter(([k]) => def.path.includes(`{${k}}`)));
  const below = (role: Role): Role[] => (Object.keys(ROLE_RANK) as Role[]).filter((r) => ROLE_RANK[r] < ROLE_RANK[role]);

  for (const id of ids) {
    const def: EndpointDef = endpoints[id];
    if (def.access === 'public') continue;
    it(`${def.method} ${def.path} (${def.access})`, async () => {
      const p = paramsFor(def);
      const anon = await call(id, { params: p, body: def.body ? {} : undefined });
      expect(anon.status, `anonymous ${id}`).toBe(401);
      expect(anon.body).toMatchObject({ error: expect.any(String), issues: [] });
      if (def.access === 'director') {
        for (const c of [as.admin, as.operatorToken]) {
          const r = await call(id, { params: p, body: def.body ? {} : undefined, as: c });
          expect(r.status, `user credentials on ${id}`).toBe(401);
        }
        return;
      }
      const d = await call(id, { params: p, body: def.body ? {} : undefined, as: as.directorToken });
      expect(d.status, `director token on ${id}`).toBe(401);
      expect(d.body.error).toMatch(/director token only works on \/api\/v1\/agent/);
      for (const role of below(def.access as Role)) {
        const r = await call(id, { params: p, body: def.body ? {} : undefined, as: as[role] });
        expect(r.status, `${role} on ${id}`).toBe(403);
        expect(r.body.error).toContain(`needs the ${def.access} role`);
      }
      if (def.access === 'operator' || def.access === 'admin') {
        const r = await call(id, { params: p, body: def.body ? {} : undefined, as: as.viewerToken });
        expect(r.status, `viewer token of an admin on ${id}`).toBe(403);
        expect(r.body.error).toContain('carries only viewer');
      }
      if (def.access === 'admin') {
        const r = await call(id, { params: p, body: def.body ? {} : undefined, as: as.operatorToken });
        expect(r.status).toBe(403);
      }
    });
  }

  it('a session cookie write from another site is refused (Origin check), the same from this console passes', async () => {
    const evil = await call('createCluster', { body: { name: 'x1' }, as: { ...as.operator, origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toMatch(/cross-site request refused/);
    const own = await call('createCluster', { body: { name: 'x1' }, as: as.operator });
    expect(own.status).toBe(201);
    // API tokens are not cookies: no Origin check applies
    const tok = await call('updateCluster', { params: { cluster: 'x1' }, body: { description: 'by token' }, as: { ...as.operatorToken, headers: { origin: 'https://elsewhere.example' } } });
    expect(tok.status).toBe(200);
  });

  it('a revoked or unknown token and a garbled Authorization header are 401', async () => {
    expect((await call('listClusters', { as: { token: 'lvs_notatoken' } })).status).toBe(401);
    expect((await call('listClusters', { as: { headers: { authorization: 'Basic YWRtaW46eA==' } } })).status).toBe(401);
    expect((await call('listClusters', { as: { cookie: 'lvs_session=forged' } })).status).toBe(401);
  });
});
