// The impact preview through the real routes: a director reports its live table and its stats
// through the agent routes, the plan preview says which ops cut how many live connections on it,
// a commit that cuts connections is refused (422 naming each op and count) until confirmed, and
// the audit event records the confirmation and the predicted cuts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanPreview } from '@/lib/api/schemas';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import { hub } from '@/lib/server/hub';
import { statsStore } from '@/lib/server/stats';
import { createUser } from '@/lib/server/users';
import { call, signIn, type Caller } from '../api/caller';
import { createTestDb, type TestDb } from './harness';

const PASSWORD = 'correct horse battery staple';
const SYSTEM = { actor: 'test', clientIp: null };
const WEB = { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
const API = { protocol: 'tcp' as const, address: '10.0.0.2', port: 443 };
const rs = (address: string) => ({ address, port: 8080, weight: 1, forwarding: 'masq' });
const zero = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
const rates = { cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };

/** A snapshot with `conns[address] = [active, inactive]` per real server of WEB, and API's one server. */
function snapshot(at: number, web: Record<string, [number, number]>, api: [number, number]): StatsSnapshot {
  const server = (address: string, [a, i]: [number, number]) => ({ address, port: 8080, activeConns: a, inactConns: i, persistConns: 0, counters: zero, rates });
  return {
    at,
    totals: { counters: zero, rates },
    services: [
      { service: WEB, counters: zero, rates, realServers: Object.entries(web).map(([addr, c]) => server(addr, c)) },
      { service: API, counters: zero, rates, realServers: [server('10.1.0.9', api)] },
    ],
  };
}

describe('impact preview and the confirmation of cuts (sqlite)', () => {
  let tdb: TestDb;
  let oper: Caller;
  let token: string;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await createUser({ username: 'olga', password: PASSWORD, role: 'operator' }, SYSTEM);
    oper = await signIn('olga', PASSWORD);
    const services = [
      { ...WEB, scheduler: 'wlc', realServers: [rs('10.1.0.1'), rs('10.1.0.2'), rs('10.1.0.3')] },
      { ...API, scheduler: 'wlc', realServers: [rs('10.1.0.9')] },
    ];
    expect((await call('createCluster', { body: { name: 'web', config: { services } }, as: oper })).status).toBe(201);
    const reg = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb1' }, as: oper });
    token = reg.body.token;
    const rev = (await call('getRevision', { params: { cluster: 'web', revision: 1 }, as: oper })).body.config;
    expect((await call('agentReport', { body: { type: 'state', actual: rev, drift: null }, as: { token } })).status).toBe(200);
  });
  afterAll(async () => {
    hub.closeAll();
    statsStore.reset();
    await tdb.drop();
  });

  const removeServer = (address: string, extra: Record<string, unknown> = {}) => ({
    baseRevision: 1,
    message: `remove ${address}`,
    changes: [{ op: 'remove-server', service: WEB, server: { address, port: 8080 } }],
    ...extra,
  });

  it('without fresh stats: the removal is unsafe with an unknown count, and the commit is not held', async () => {
    const p = await call<PlanPreview>('previewChanges', { params: { cluster: 'web' }, body: removeServer('10.1.0.3'), as: oper });
    expect(p.status, p.text).toBe(200);
    const lb1 = p.body.directors[0]!;
    expect(lb1.commands).toEqual(['ipvsadm -d -t 10.0.0.1:80 -r 10.1.0.3:8080']);
    expect(lb1.impact).toEqual({ ops: [{ safe: false, reason: 'removes-server', connections: null }], unsafeOps: 1, cuts: null, statsAt: null });
  });

  it('with stats: counts the cut per op, refuses the commit naming op and count, takes it when confirmed and audits it', async () => {
    const now = Date.now();
    const posted = await call('agentStats', { body: { samples: [snapshot(now, { '10.1.0.1': [3, 1], '10.1.0.2': [0, 0], '10.1.0.3': [9, 3] }, [4, 0])] }, as: { token } });
    expect(posted.status, posted.text).toBe(200);

    // a weight change and a removal of an idle server: safe, or cutting nothing
    const safe = await call<PlanPreview>('previewChanges', {
      params: { cluster: 'web' },
      body: {
        baseRevision: 1,
        message: 'x',
        changes: [
          { op: 'edit-server', service: WEB, server: { address: '10.1.0.1', port: 8080 }, set: { weight: 3 } },
          { op: 'remove-server', service: WEB, server: { address: '10.1.0.2', port: 8080 } },
        ],
      },
      as: oper,
    });
    expect(safe.status, safe.text).toBe(200);
    expect(safe.body.directors[0]!.impact).toMatchObject({ unsafeOps: 1, cuts: 0, statsAt: new Date(Math.floor(now / 1000) * 1000).toISOString() });
    expect(safe.body.directors[0]!.impact.ops.map((o) => [o.safe, o.reason, o.connections ?? null])).toEqual([
      [true, 'edit', null],
      [false, 'removes-server', 0],
    ]);

    // removing the busy server and the whole API service: 12 + 4 connections
    const body = { ...removeServer('10.1.0.3'), changes: [...removeServer('10.1.0.3').changes, { op: 'remove-service', service: API }] };
    const p = await call<PlanPreview>('previewChanges', { params: { cluster: 'web' }, body, as: oper });
    expect(p.body.directors[0]!.impact.cuts).toBe(16);
    expect(p.body.directors[0]!.impact.ops.map((o) => o.connections)).toEqual([12, 4]);

    const refused = await call('commitChanges', { params: { cluster: 'web' }, body, as: oper });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/cuts 16 live connections/);
    expect(refused.body.issues).toEqual([
      { path: 'confirmConnectionCuts', message: 'lb1: ipvsadm -d -t 10.0.0.1:80 -r 10.1.0.3:8080 cuts 12 live connections' },
      { path: 'confirmConnectionCuts', message: 'lb1: ipvsadm -D -t 10.0.0.2:443 cuts 4 live connections' },
    ]);
    // nothing was stored
    expect((await call('listRevisions', { params: { cluster: 'web' }, as: oper })).body.revisions).toHaveLength(1);
    // false is no confirmation either
    expect((await call('commitChanges', { params: { cluster: 'web' }, body: { ...body, confirmConnectionCuts: false }, as: oper })).status).toBe(422);

    const ok = await call('commitChanges', { params: { cluster: 'web' }, body: { ...body, confirmConnectionCuts: true }, as: oper });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.revision.number).toBe(2);
    expect(ok.body.plan.currentRevision).toBe(2);
    expect(ok.body.plan.directors[0].impact.cuts).toBe(16);

    const audit = await call('listAudit', { query: { action: 'revision.commit' }, as: oper });
    expect(audit.body.events[0].details.impact).toEqual({
      confirmed: true,
      predictedCuts: 16,
      cuts: [
        { director: 'lb1', command: 'ipvsadm -d -t 10.0.0.1:80 -r 10.1.0.3:8080', connections: 12 },
        { director: 'lb1', command: 'ipvsadm -D -t 10.0.0.2:443', connections: 4 },
      ],
    });
  });

  it('a commit that cuts nothing needs no confirmation and audits zero cuts', async () => {
    // while lb1 still runs revision 1, any new revision plans the same removals there
    const held = await call('commitChanges', {
      params: { cluster: 'web' },
      body: { baseRevision: 2, message: 'weight', changes: [{ op: 'edit-server', service: WEB, server: { address: '10.1.0.1', port: 8080 }, set: { weight: 2 } }] },
      as: oper,
    });
    expect(held.status).toBe(422);
    const rev2 = (await call('getRevision', { params: { cluster: 'web', revision: 2 }, as: oper })).body.config;
    expect((await call('agentReport', { body: { type: 'state', actual: rev2, drift: null }, as: { token } })).status).toBe(200);
    const r = await call('commitChanges', {
      params: { cluster: 'web' },
      body: { baseRevision: 2, message: 'weight', changes: [{ op: 'edit-server', service: WEB, server: { address: '10.1.0.1', port: 8080 }, set: { weight: 2 } }] },
      as: oper,
    });
    expect(r.status, r.text).toBe(201);
    const audit = await call('listAudit', { query: { action: 'revision.commit' }, as: oper });
    expect(audit.body.events[0].details.impact).toEqual({ confirmed: false, predictedCuts: 0, cuts: [] });
  });

  it('a rollback that brings nothing back but removes nothing is free; one that cuts needs the same confirmation', async () => {
    // lb1 runs revision 3 (API gone, 10.1.0.3 gone); rolling back to 1 only adds: safe
    const rev3 = (await call('getRevision', { params: { cluster: 'web', revision: 3 }, as: oper })).body.config;
    expect((await call('agentReport', { body: { type: 'state', actual: rev3, drift: null }, as: { token } })).status).toBe(200);
    const back = await call('rollback', { params: { cluster: 'web' }, body: { toRevision: 1, baseRevision: 3 }, as: oper });
    expect(back.status, back.text).toBe(201);
    // lb1 applied revision 4 (= 1) and serves connections on 10.1.0.3 again; rolling back to 3 removes it
    const rev4 = (await call('getRevision', { params: { cluster: 'web', revision: 4 }, as: oper })).body.config;
    expect((await call('agentReport', { body: { type: 'state', actual: rev4, drift: null }, as: { token } })).status).toBe(200);
    await call('agentStats', { body: { samples: [snapshot(Date.now(), { '10.1.0.1': [1, 0], '10.1.0.2': [0, 0], '10.1.0.3': [2, 0] }, [1, 0])] }, as: { token } });
    const refused = await call('rollback', { params: { cluster: 'web' }, body: { toRevision: 3, baseRevision: 4 }, as: oper });
    expect(refused.status).toBe(422);
    expect(refused.body.issues.map((i: { message: string }) => i.message)).toEqual([
      'lb1: ipvsadm -d -t 10.0.0.1:80 -r 10.1.0.3:8080 cuts 2 live connections',
      'lb1: ipvsadm -D -t 10.0.0.2:443 cuts 1 live connection',
    ]);
    const ok = await call('rollback', { params: { cluster: 'web' }, body: { toRevision: 3, baseRevision: 4, confirmConnectionCuts: true }, as: oper });
    expect(ok.status, ok.text).toBe(201);
    const audit = await call('listAudit', { query: { action: 'revision.rollback' }, as: oper });
    expect(audit.body.events[0].details.impact).toMatchObject({ confirmed: true, predictedCuts: 3 });
  });
});
