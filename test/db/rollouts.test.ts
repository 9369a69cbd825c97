// Staged rollouts on both databases: a canary step reaches only its directors (the others keep
// their revision, pushed per director by the hub), a passing gate unpins the next step, a NACK
// holds and alerts, abort leaves the rest on the old revision and its rollback reaches only the
// directors that took the new one; the state survives a restart (a new database client), and two
// processes evaluating the same step advance it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '@/lib/api/alerts';
import type { DesiredRevision } from '@/lib/protocol/messages';
import { onAlert } from '@/lib/server/alerts/raise';
import { createCluster } from '@/lib/server/clusters';
import { closeDb, db } from '@/lib/server/db';
import { handleReport, listDirectors, registerDirector } from '@/lib/server/directors';
import { hub } from '@/lib/server/hub';
import { commitChangeSet } from '@/lib/server/revisions';
import { evaluateRollout, getRollout, rolloutAction, setRolloutPolicy, tickRollouts } from '@/lib/server/rollouts';
import { call } from '../api/caller';
import { SseReader } from '../api/sse-reader';
import { backends, createTestDb, type TestDb } from './harness';

const sys = { actor: 'test', clientIp: null };
const NAMES = ['d1', 'd2', 'd3'];
// a change set's output type: the service as the schema would fill it
const svc = (port: number) =>
  ({
    op: 'add-service',
    service: { protocol: 'tcp', address: '10.9.0.1', port, scheduler: 'wlc', schedFlags: [], onePacket: false, realServers: [] },
  }) as never;

describe.each(backends())('staged rollouts on %s', (backend) => {
  let tdb: TestDb;
  const streams = new Map<string, SseReader>();
  const ids = new Map<string, string>();
  const alerts: AlertEvent[] = [];
  let offAlerts: () => void;

  const principal = (name: string) => ({ kind: 'director' as const, directorId: ids.get(name)!, directorName: name, clusterId: '', actor: `agent:${name}` });
  const ack = async (name: string, revision: number, hash: string) => handleReport(principal(name), { type: 'ack', revision, hash, opsApplied: 1, durationMs: 1 });
  const nextDesired = (name: string, revision: number) => streams.get(name)!.next<DesiredRevision>('desired', 10_000, (d) => d.revision === revision);
  const statuses = async () => new Map((await listDirectors('roll')).directors.map((d) => [d.name, d]));
  const audits = async (action: string, afterRevision: number) => (await db()).auditEvent.count({ where: { action, afterRevision } });

  beforeAll(async () => {
    tdb = await createTestDb(backend);
    offAlerts = onAlert((e) => void alerts.push(e));
    await createCluster({ name: 'roll', description: '', driftPolicy: 'enforce' }, sys);
    for (const n of NAMES) {
      const r = await registerDirector('roll', n, sys, 'http://x');
      ids.set(n, r.director.id);
      const res = await call('agentStream', { as: { token: r.token } });
      streams.set(n, new SseReader((res.body as unknown as Response).body!));
    }
    await Promise.all(NAMES.map((n) => nextDesired(n, 1)));
  }, 60_000);
  afterAll(async () => {
    offAlerts();
    hub.closeAll();
    // let the closed streams mark their directors offline before the database goes
    for (let i = 0; i < 100 && (await (await db()).director.count({ where: { connectedAt: { not: null } } })) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await tdb.drop();
  });

  it('canary: step 1 only reaches the canary, its gates pass, then the rest get it; every step audited', async () => {
    const reads = hub.desiredReads;
    const r = await commitChangeSet('roll', { baseRevision: 1, message: 'canary', changes: [svc(81)], rollout: { mode: 'canary', canary: 1, soakSeconds: 0, batch: 2, minRateFraction: 0.5 } }, sys);
    expect(r.pushedTo).toBe(1);
    expect((await nextDesired('d1', 2)).hash).toBe(r.revision.hash);
    // one read per target revision (r2 for the canary, r1 for the pinned two), not one per agent
    expect(hub.desiredReads - reads).toBe(2);
    const before = await statuses();
    expect([before.get('d2')!.desiredRevision, before.get('d3')!.desiredRevision]).toEqual([1, 1]);
    let ro = await getRollout('roll', 2);
    expect(ro).toMatchObject({ state: 'running', step: 0, kind: 'rollout' });
    expect(ro.steps.map((s) => s.directors.map((d) => d.name))).toEqual([['d1'], ['d2', 'd3']]);

    await tickRollouts();
    ro = await getRollout('roll', 2);
    expect(ro.steps[0]!.gates.find((g) => g.name === 'ack')).toMatchObject({ status: 'pending', reason: 'waiting for the ACK of d1' });
    expect(streams.get('d2')!.pending('desired')).toBe(0);

    await ack('d1', 2, r.revision.hash);
    const reads2 = hub.desiredReads;
    await tickRollouts();
    ro = await getRollout('roll', 2);
    expect(ro.step).toBe(1);
    expect(ro.steps[0]!.gates.every((g) => g.status === 'pass')).toBe(true);
    const [d2, d3] = await Promise.all([nextDesired('d2', 2), nextDesired('d3', 2)]);
    expect([d2.hash, d3.hash]).toEqual([r.revision.hash, r.revision.hash]);
    expect(hub.desiredReads - reads2).toBe(1);
    expect(streams.get('d1')!.pending('desired')).toBe(0); // the canary already had r2: not sent again

    await ack('d2', 2, r.revision.hash);
    await ack('d3', 2, r.revision.hash);
    await tickRollouts();
    expect((await getRollout('roll', 2)).state).toBe('done');
    expect([...(await statuses()).values()].every((d) => d.state === 'applied' && d.desiredRevision === 2)).toBe(true);
    expect([await audits('rollout.start', 2), await audits('rollout.step', 2), await audits('rollout.done', 2)]).toEqual([1, 1, 1]);
  });

  it('a NACK holds the step and alerts; a commit meanwhile is refused; abort leaves the rest on the old revision; rollback reaches only the canary', async () => {
    await setRolloutPolicy('roll', { mode: 'canary', canary: 1, soakSeconds: 0, batch: 1, minRateFraction: 0.5 }, sys);
    const r = await commitChangeSet('roll', { baseRevision: 2, message: 'bad', changes: [svc(82)] }, sys);
    await nextDesired('d1', 3);
    await handleReport(principal('d1'), {
      type: 'nack',
      revision: 3,
      hash: r.revision.hash,
      failedOp: null,
      command: 'ipvsadm -A',
      message: 'Memory allocation problem',
      exitCode: 255,
      opsApplied: 0,
    });
    await tickRollouts();
    const held = await getRollout('roll', 3);
    expect(held.state).toBe('held');
    expect(held.steps[0]!.gates.find((g) => g.name === 'nack')).toMatchObject({ status: 'hold', reason: 'd1 NACKed r3: Memory allocation problem' });
    await expect.poll(() => alerts.filter((a) => a.kind === 'rollout_held' && a.subject === 'r3').length).toBe(1);

    await expect(commitChangeSet('roll', { baseRevision: 3, message: 'more', changes: [svc(83)] }, sys)).rejects.toMatchObject({ status: 409 });

    const aborted = await rolloutAction('roll', 3, { action: 'abort' }, sys);
    expect(aborted.state).toBe('aborted');
    await expect.poll(() => alerts.filter((a) => a.kind === 'rollout_aborted').length).toBe(1);
    const s = await statuses();
    expect([s.get('d2')!.desiredRevision, s.get('d3')!.desiredRevision, s.get('d1')!.desiredRevision]).toEqual([2, 2, 3]);

    const rb = await rolloutAction('roll', 3, { action: 'rollback' }, sys);
    expect(rb).toMatchObject({ kind: 'rollback', revision: 4, fromRevision: 3, state: 'running' });
    expect(rb.steps.map((x) => x.directors.map((d) => d.name))).toEqual([['d1']]);
    const r4 = await nextDesired('d1', 4);
    expect(streams.get('d2')!.pending('desired')).toBe(0);
    await ack('d1', 4, r4.hash);
    await tickRollouts();
    expect((await getRollout('roll', 4)).state).toBe('done');
    // unpinned at the end: the others get r4, which is r2's config (nothing changes on them)
    const d2 = await nextDesired('d2', 4);
    expect(d2.config).toEqual((await nextDesired('d3', 4)).config);
    expect(await audits('rollout.abort', 3)).toBe(1);
  });

  it('survives a restart: a new database client carries the rollout on from the database', async () => {
    const r = await commitChangeSet('roll', { baseRevision: 4, message: 'after restart', changes: [svc(84)] }, sys);
    await ack('d1', 5, r.revision.hash);
    await closeDb();
    await tickRollouts();
    expect((await getRollout('roll', 5)).step).toBe(1);
  });

  it('two processes evaluating the same step advance it once (compare-and-set)', async () => {
    const prisma = await db();
    await ack('d2', 5, (await prisma.configRevision.findFirstOrThrow({ where: { number: 5 } })).hash);
    const row = await prisma.rollout.findFirstOrThrow({ where: { revision: 5 }, include: { cluster: { select: { name: true } } } });
    const results = await Promise.all([evaluateRollout(row), evaluateRollout({ ...row })]);
    expect(results.sort()).toEqual(['advanced', 'lost']);
    const after = await getRollout('roll', 5);
    expect(after.step).toBe(2);
    expect(await audits('rollout.step', 5)).toBe(2); // step 1 → 2 (restart test) and 2 → 3, once each
  });
});
