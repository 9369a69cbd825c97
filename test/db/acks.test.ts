// ACKs are written in batches (lib/server/acks.ts): a burst from a whole fleet is a few
// transactions, not one write per agent, and each ACK still gets its own answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackWriter } from '@/lib/server/acks';
import { createCluster } from '@/lib/server/clusters';
import { db } from '@/lib/server/db';
import { handleReport, listDirectors, registerDirector } from '@/lib/server/directors';
import { HttpError } from '@/lib/server/errors';
import { commitChangeSet } from '@/lib/server/revisions';
import { addServiceChange, backends, createTestDb, SYSTEM, type TestDb } from './harness';

const N = 60;

describe.each(backends())('batched ACKs on %s', (backend) => {
  let tdb: TestDb;
  const ids: string[] = [];
  const principal = (i: number) => ({ kind: 'director' as const, directorId: ids[i]!, directorName: `d${i}`, clusterId: '', actor: `agent:d${i}` });
  const ack = (i: number, revision: number, hash: string) => handleReport(principal(i), { type: 'ack', revision, hash, opsApplied: 1, durationMs: 1 });

  beforeAll(async () => {
    tdb = await createTestDb(backend);
    await createCluster({ name: 'acks', description: '', driftPolicy: 'enforce' }, SYSTEM);
    for (let i = 0; i < N; i++) ids.push((await registerDirector('acks', `d${i}`, SYSTEM, 'http://x')).director.id);
  }, 60_000);
  afterAll(() => tdb.drop());

  it(`${N} simultaneous ACKs: a few batches, one audit event each, a wrong hash refused on its own`, async () => {
    const r = await commitChangeSet('acks', { baseRevision: 1, message: 'go', changes: [addServiceChange(80)] }, SYSTEM);
    const { number, hash } = r.revision;
    // d0 once had a NACK of this revision: its ACK clears it
    await (await db()).director.update({ where: { id: ids[0] }, data: { lastError: { revision: number, message: 'boom' } } });
    const before = ackWriter.batches;
    const results = await Promise.allSettled(ids.map((_, i) => (i === 7 ? ack(i, number, 'not-the-hash') : ack(i, number, hash))));
    expect(ackWriter.batches - before).toBeLessThanOrEqual(3);
    const refused = results.flatMap((x, i) => (x.status === 'rejected' ? [[i, x.reason as HttpError] as const] : []));
    expect(refused.map(([i, e]) => [i, e.status])).toEqual([[7, 422]]);

    const dirs = new Map((await listDirectors('acks')).directors.map((d) => [d.name, d]));
    for (let i = 0; i < N; i++) expect(dirs.get(`d${i}`)!.appliedRevision).toBe(i === 7 ? null : number);
    const prisma = await db();
    expect(await prisma.auditEvent.count({ where: { action: 'director.applied', afterRevision: number } })).toBe(N - 1);
    expect((await prisma.director.findUniqueOrThrow({ where: { id: ids[0] } })).lastError).toBeNull();

    // the same ACK again (an agent re-sending after a lost answer) changes nothing and adds no event
    await Promise.all([ack(1, number, hash), ack(1, number, hash)]);
    expect(await prisma.auditEvent.count({ where: { action: 'director.applied', afterRevision: number } })).toBe(N - 1);
  });

  it('an ACK of a revision that does not exist is a 422 naming it', async () => {
    await expect(ack(0, 999, 'x')).rejects.toMatchObject({ status: 422, message: expect.stringContaining('revision 999') });
  });
});
