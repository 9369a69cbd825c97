// The hub's promise: a new revision reaches every connected agent of the cluster as one broadcast
// (one database read, one encoded frame), not one read per agent; agents of other clusters get
// nothing; a closed stream marks its director offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '@/lib/server/clusters';
import { registerDirector } from '@/lib/server/directors';
import { hub } from '@/lib/server/hub';
import { commitChangeSet } from '@/lib/server/revisions';
import type { DesiredRevision } from '@/lib/protocol/messages';
import { call } from '../api/caller';
import { SseReader } from '../api/sse-reader';
import { addServiceChange, createTestDb, type TestDb } from './harness';

const N = 100;
const sys = { actor: 'test', clientIp: null };

describe('hub fan-out', () => {
  let tdb: TestDb;
  const streams: SseReader[] = [];
  let other: SseReader;
  /** desired-state reads while the N agents connected */
  let connectReads = 0;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await createCluster({ name: 'big', description: '', driftPolicy: 'enforce' }, sys);
    await createCluster({ name: 'quiet', description: '', driftPolicy: 'report' }, sys);
    const tokens = [];
    for (let i = 0; i < N; i++) tokens.push((await registerDirector('big', `d${i}`, sys, 'http://x')).token);
    const reads = hub.desiredReads;
    for (const token of tokens) {
      const res = await call('agentStream', { as: { token } });
      streams.push(new SseReader((res.body as unknown as Response).body!));
    }
    other = new SseReader(((await call('agentStream', { as: { token: (await registerDirector('quiet', 'q1', sys, 'http://x')).token } })).body as unknown as Response).body!);
    await Promise.all([...streams, other].map((s) => s.next<DesiredRevision>('desired')));
    connectReads = hub.desiredReads - reads;
  }, 120_000);
  afterAll(async () => {
    hub.closeAll();
    await tdb.drop();
  });

  it(`pushes a revision to ${N} agents with one database read`, async () => {
    const before = hub.desiredReads;
    const r = await commitChangeSet('big', { baseRevision: 1, message: 'go', changes: [addServiceChange(443)] }, sys);
    expect(r.pushedTo).toBe(N);
    const got = await Promise.all(streams.map((s) => s.next<DesiredRevision>('desired', 10_000, (d) => d.revision === 2)));
    expect(got.every((d) => d.hash === r.revision.hash && d.config.services.length === 1)).toBe(true);
    expect(hub.desiredReads - before).toBe(1);
    await new Promise((res) => setTimeout(res, 200));
    expect(other.pending('desired')).toBe(0);
  });

  it(`${N + 1} agents of two clusters connecting read each cluster's desired state once`, () => {
    expect(connectReads).toBe(2);
  });

  it('a closed stream marks its director offline', async () => {
    await streams[0]!.cancel();
    const { db } = await import('@/lib/server/db');
    const prisma = await db();
    for (let i = 0; i < 50; i++) {
      const d = await prisma.director.findFirstOrThrow({ where: { name: 'd0' } });
      if (d.connectedAt === null) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('d0 still marked connected after its stream closed');
  });
});
