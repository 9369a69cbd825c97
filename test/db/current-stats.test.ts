// GET .../stats/current, driven through the real route with agents' batches posted through the
// real agent route: every service of a 120-service cluster on two directors comes back (not the
// 50 a chart legend keeps), summed over the directors, with every real server; a director that
// went silent, a service a director stopped carrying and another cluster's director stay out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrentStats } from '@/lib/api/schemas';
import { STATS_FIELDS } from '@/lib/api/stats-fields';
import { realServerKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import { encodeStatsBatch } from '@/lib/protocol/stats-wire';
import { statsStore } from '@/lib/server/stats';
import { call, type Caller } from '../api/caller';
import { backends, closeTestDb, dbWithUsers, type TestDb } from './harness';

const N = 120;

type Svc = StatsSnapshot['services'][number];
const key = (i: number) => ({ protocol: 'tcp' as const, address: `10.7.${i >> 8}.${i & 255}`, port: 80 });
const RS = ['10.8.0.1', '10.8.0.2'];

/** One director's numbers for service i: distinct per director (`d`), service and server. */
function svc(i: number, d: number, servers = RS): Svc {
  const zero = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  const realServers = servers.map((address, j) => {
    const b = d * 100_000 + i * 10 + j;
    return { address, port: 8080, activeConns: b, inactConns: b + 1, persistConns: j + d, counters: zero, rates: { cps: b + 2, inpps: b + 3, outpps: b + 4, inbps: b * 100, outbps: b * 900 } };
  });
  const sum = (f: (r: (typeof realServers)[number]) => number) => realServers.reduce((n, r) => n + f(r), 0);
  const rates = { cps: sum((r) => r.rates.cps), inpps: sum((r) => r.rates.inpps), outpps: sum((r) => r.rates.outpps), inbps: sum((r) => r.rates.inbps), outbps: sum((r) => r.rates.outbps) };
  return { service: key(i), counters: zero, rates, realServers };
}

function snapshot(at: number, services: Svc[]): StatsSnapshot {
  const zero = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  return { at, totals: { counters: zero, rates: { cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 } }, services };
}

/** What the endpoint must answer, summed here from the snapshots themselves. */
function expected(newest: StatsSnapshot[]): Pick<CurrentStats, 'services' | 'realServers'> {
  const services: CurrentStats['services'] = {};
  const realServers: CurrentStats['realServers'] = {};
  const add = (into: number[] | undefined, v: number[]) => (into ? into.map((x, k) => x + v[k]!) : v) as CurrentStats['services'][string];
  for (const snap of newest) {
    for (const s of snap.services) {
      const sk = serviceKeyId(s.service);
      const a = s.realServers.reduce((n, r) => n + r.activeConns, 0);
      const ia = s.realServers.reduce((n, r) => n + r.inactConns, 0);
      const pc = s.realServers.reduce((n, r) => n + r.persistConns, 0);
      services[sk] = add(services[sk], [a, ia, pc, s.rates.cps, s.rates.inpps, s.rates.outpps, s.rates.inbps, s.rates.outbps]);
      for (const r of s.realServers) {
        const m = (realServers[sk] ??= {});
        const rk = realServerKeyId(r);
        m[rk] = add(m[rk], [r.activeConns, r.inactConns, r.persistConns, r.rates.cps, r.rates.inpps, r.rates.outpps, r.rates.inbps, r.rates.outbps]);
      }
    }
  }
  return { services, realServers };
}

for (const backend of backends()) {
  describe(`current stats on ${backend}`, () => {
    let tdb: TestDb;
    let viewer: Caller;
    let oper: Caller;

    beforeAll(async () => {
      ({
        tdb,
        as: { olga: oper, vic: viewer },
      } = await dbWithUsers(backend, { olga: 'operator', vic: 'viewer' }));
    });
    afterAll(() => closeTestDb(tdb));

    const register = async (cluster: string, name: string) => {
      const r = await call('registerDirector', { params: { cluster }, body: { name }, as: oper });
      expect(r.status).toBe(201);
      return { token: r.body.token as string };
    };
    const post = async (as: { token: string }, samples: StatsSnapshot[]) => {
      const r = await call('agentStats', { body: { samples }, as });
      expect(r.status, r.text).toBe(200);
    };

    it(`returns all ${N} services of two directors, summed, with every real server`, async () => {
      const services = Array.from({ length: N }, (_, i) => ({
        protocol: 'tcp',
        address: key(i).address,
        port: 80,
        scheduler: 'wlc',
        realServers: RS.map((address) => ({ address, port: 8080, weight: 1, forwarding: 'masq' })),
      }));
      const created = await call('createCluster', { body: { name: 'big', config: { services } }, as: oper });
      expect(created.status, created.text).toBe(201);
      expect((await call('createCluster', { body: { name: 'other' }, as: oper })).status).toBe(201);
      const a = await register('big', 'lb-a');
      const b = await register('big', 'lb-b');
      const silent = await register('big', 'lb-silent');
      const stranger = await register('other', 'lb-other');

      const now = Date.now();
      const all = (d: number) => Array.from({ length: N }, (_, i) => svc(i, d));
      // lb-a carried one more service a second ago, then it was removed: only the newest second counts
      const gone = { ...svc(N, 1), service: key(N) };
      const aNewest = snapshot(now, all(1));
      await post(a, [snapshot(now - 1000, [...all(1).map((s) => ({ ...s, realServers: s.realServers.map((r) => ({ ...r, activeConns: 999_999 })) })), gone]), aNewest]);
      // lb-b carries service 0 with a third real server that lb-a does not have
      const bServices = all(2);
      bServices[0] = svc(0, 2, [...RS, '10.8.0.3']);
      const bNewest = snapshot(now - 1000, bServices); // a second behind lb-a: still current
      await post(b, [bNewest]);
      // lb-silent stopped reporting a minute ago; lb-other belongs to another cluster
      await post(silent, [snapshot(now - 60_000, all(3))]);
      await post(stranger, [snapshot(now, all(4))]);

      const r = await call<CurrentStats>('currentStats', { params: { cluster: 'big' }, as: viewer });
      expect(r.status, r.text).toBe(200);
      const want = expected([aNewest, bNewest]);
      expect(Object.keys(r.body.services)).toHaveLength(N);
      expect(r.body.fields).toEqual([...STATS_FIELDS]);
      expect(r.body.directors).toBe(2);
      expect(r.body.t).toBe(Math.floor((now - 1000) / 1000) * 1000);
      expect(r.body.services).toEqual(want.services);
      expect(r.body.realServers).toEqual(want.realServers);
      // spot-check one sum by hand, so the expectation above is not only the code's mirror
      const s7 = r.body.services[serviceKeyId(key(7))]!;
      expect(s7[0]).toBe(100_070 + 100_071 + 200_070 + 200_071);
      expect(s7[2]).toBe(1 + 2 + 2 + 3);
      expect(Object.keys(r.body.realServers[serviceKeyId(key(0))]!).sort()).toEqual(['10.8.0.1|8080', '10.8.0.2|8080', '10.8.0.3|8080']);
      expect(r.body.realServers[serviceKeyId(key(0))]!['10.8.0.3|8080']![0]).toBe(200_002);

      // servers=0: the same services, no per-server numbers
      const light = await call<CurrentStats>('currentStats', { params: { cluster: 'big' }, query: { servers: '0' }, as: viewer });
      expect(light.body.services).toEqual(want.services);
      expect(light.body.realServers).toEqual({});
    });

    it('answers an empty table for a cluster nobody reports for, 404 for an unknown one, 400 naming a bad query field', async () => {
      statsStore.reset();
      const empty = await call<CurrentStats>('currentStats', { params: { cluster: 'big' }, as: viewer });
      expect(empty.body).toMatchObject({ t: null, directors: 0, services: {}, realServers: {} });
      const missing = await call('currentStats', { params: { cluster: 'nope' }, as: viewer });
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatch(/no cluster named nope/);
      const bad = await call('currentStats', { params: { cluster: 'big' }, query: { servers: 'yes' }, as: viewer });
      expect(bad.status).toBe(400);
      expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'servers', message: 'servers must be 0 or 1' })]);
    });

    it('takes the compact rows batch as it takes snapshots, and refuses a malformed one with the path of the bad number', async () => {
      statsStore.reset();
      const agent = await register('big', 'lb-rows');
      const now = Date.now();
      const all = (d: number) => Array.from({ length: N }, (_, i) => svc(i, d));
      const samples = [snapshot(now - 1000, all(5)), snapshot(now, all(6))];
      const batch = encodeStatsBatch(samples);
      const r = await call('agentStats', { body: batch, as: agent });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toEqual({ ok: true, accepted: 2 });
      const cur = await call<CurrentStats>('currentStats', { params: { cluster: 'big' }, as: viewer });
      const want = expected([samples[1]!]);
      expect(cur.body.services).toEqual(want.services);
      expect(cur.body.realServers).toEqual(want.realServers);

      const bad = structuredClone(batch);
      bad.samples[1]!.rows[3]![2] = -5;
      const refused = await call('agentStats', { body: bad, as: agent });
      expect(refused.status).toBe(400);
      expect(refused.body.issues).toEqual([{ path: 'samples.1.rows.3.2', message: 'inactConns must be a number from 0 to 2^53' }]);
    });
  });
}
