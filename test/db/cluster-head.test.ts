// GET /api/v1/clusters/{c}?first=N: the cluster's header and its config's first N services, the
// counts whole, so a page paints its first rows without waiting for a 10,000-service config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterDetail } from '@/lib/api/schemas';
import { call, type Caller } from '../api/caller';
import { backends, closeTestDb, dbWithUsers, type TestDb } from './harness';

for (const backend of backends()) {
  describe(`a cluster's first services on ${backend}`, () => {
    let t: { tdb: TestDb; as: Record<'olga' | 'vic', Caller> };
    const viewer = () => t.as.vic;

    beforeAll(async () => {
      t = await dbWithUsers(backend, { olga: 'operator', vic: 'viewer' });
      const services = Array.from({ length: 30 }, (_, i) => ({ protocol: 'tcp', address: `10.9.0.${i + 1}`, port: 80, realServers: [{ address: '10.8.0.1' }, { address: '10.8.0.2' }] }));
      expect((await call('createCluster', { body: { name: 'wide', config: { services } }, as: t.as.olga })).status).toBe(201);
    });
    afterAll(() => closeTestDb(t.tdb));

    it('answers the first N services in config order with the whole counts, and 400 for a bad N', async () => {
      const whole = await call<ClusterDetail>('getCluster', { params: { cluster: 'wide' }, as: viewer() });
      const head = await call<ClusterDetail>('getCluster', { params: { cluster: 'wide' }, query: { first: 5 }, as: viewer() });
      expect(head.status, head.text).toBe(200);
      expect(head.body.config.services).toEqual(whole.body.config.services.slice(0, 5));
      expect(head.body.config.services.map((s) => ('address' in s ? s.address : ''))).toEqual(['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5']);
      expect({ services: head.body.services, realServers: head.body.realServers }).toEqual({ services: 30, realServers: 60 });
      expect(head.body.currentRevision).toEqual(whole.body.currentRevision);
      expect((await call<ClusterDetail>('getCluster', { params: { cluster: 'wide' }, query: { first: 1000 }, as: viewer() })).body.config.services).toHaveLength(30);
      const bad = await call('getCluster', { params: { cluster: 'wide' }, query: { first: 0 }, as: viewer() });
      expect(bad.status).toBe(400);
      expect(bad.body.issues).toEqual([{ path: 'first', message: 'first must be 1–1000' }]);
    });
  });
}
