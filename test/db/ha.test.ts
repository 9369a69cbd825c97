// HA visibility, on SQLite and PostgreSQL: the demo's two directors report which VIPs they carry
// through the real report route; the console derives the owner of each VIP, raises split brain
// and orphan alerts (after their grace) through raiseAlert, records failovers and failbacks on the
// timeline (with the failback's sync warning), and refuses the demo failover outside the demo.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '@/lib/api/alerts';
import type { HaState } from '@/lib/protocol/messages';
import { onAlert } from '@/lib/server/alerts/raise';
import { db } from '@/lib/server/db';
import { evaluateHa, HA_ALERT_GRACE_MS } from '@/lib/server/ha';
import { hub } from '@/lib/server/hub';
import { readSimControl, SIM_VRRP_ADVERTS_DIR, SIM_VRRP_CONTROL_FILE, writeJsonAtomic } from '@/agent/engines/sim/vrrp';
import { DEMO_CLUSTER, seedDemo } from '@/lib/server/seed';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { call, signIn, type Caller } from '../api/caller';
import { backends, createTestDb, type TestDb } from './harness';

const WEB = '192.0.2.10';
const DNS = '192.0.2.53';

function ha(vips: string[], extra: Partial<HaState> = {}): HaState {
  return { vips: vips.map((address) => ({ address, interface: 'eth0' })), addressSource: 'test', vrrp: null, syncDaemons: [], connections: 0, at: new Date().toISOString(), ...extra };
}

for (const backend of backends()) {
  describe(`HA visibility on ${backend}`, () => {
    let tdb: TestDb;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-ha-'));
    const alerts: AlertEvent[] = [];
    let stop: () => void;
    let sim1: Caller;
    let sim2: Caller;
    let admin: Caller;
    let clusterId: string;

    const report = async (who: Caller, state: HaState) => {
      const r = await call('agentReport', { body: { type: 'ha', ha: state }, as: who });
      expect(r.status, r.text).toBe(200);
    };
    const owners = async () =>
      Object.fromEntries(
        (await call('clusterHa', { params: { cluster: DEMO_CLUSTER }, as: admin })).body.vips.map((v: { vip: string; state: string; owners: string[] }) => [v.vip, `${v.state}:${v.owners.join('+')}`]),
      );
    const afterGrace = () => evaluateHa(clusterId, Date.now() + HA_ALERT_GRACE_MS + 1000);

    beforeAll(async () => {
      tdb = await createTestDb(backend);
      const seeded = await seedDemo({ adminPassword: 'ha-test-password-123', tokenFile: path.join(dir, 'agent.token') });
      sim1 = { token: seeded.agentToken };
      sim2 = { token: fs.readFileSync(seeded.agents[1]!.tokenFile, 'utf8').trim() };
      admin = await signIn('admin', 'ha-test-password-123');
      const prisma = await db();
      clusterId = (await prisma.cluster.findUniqueOrThrow({ where: { name: DEMO_CLUSTER } })).id;
      // both agents' streams are open (the hub sets this while an agent holds GET /agent/stream)
      await prisma.director.updateMany({ where: { clusterId }, data: { connectedAt: new Date(), lastSeenAt: new Date() } });
      stop = onAlert((e) => void alerts.push(e));
    });
    afterAll(async () => {
      stop();
      hub.closeAll();
      await tdb.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('derives the owner of each VIP from the reports, with no failover for the first owner', async () => {
      await report(sim1, ha([WEB, DNS]));
      await report(sim2, ha([]));
      expect(await owners()).toEqual({ [WEB]: 'owned:sim-1', [DNS]: 'owned:sim-1' });
      expect((await call('listFailovers', { params: { cluster: DEMO_CLUSTER }, as: admin })).body.failovers).toEqual([]);
      const detail = await call('getDirector', { params: { cluster: DEMO_CLUSTER, director: 'sim-1' }, as: admin });
      expect(detail.body.ha.vips.map((v: { address: string }) => v.address)).toEqual([WEB, DNS]);
    });

    it('alerts on a split brain only once it outlasts the grace, and only once', async () => {
      await report(sim2, ha([WEB]));
      expect(await owners()).toMatchObject({ [WEB]: 'split_brain:sim-1+sim-2' });
      expect(alerts.filter((a) => a.kind === 'split_brain')).toEqual([]);
      await afterGrace();
      await afterGrace();
      await new Promise((r) => setTimeout(r, 20)); // listeners run on a microtask
      const split = alerts.filter((a) => a.kind === 'split_brain');
      expect(split).toHaveLength(1);
      expect(split[0]).toMatchObject({ clusterId, subject: WEB });
      expect(split[0]!.summary).toContain('sim-1 and sim-2');
    });

    it('records a failover when the VIP is left on the other director, with the VRRP cause', async () => {
      await report(sim2, ha([WEB], { vrrp: [{ name: 'VI_1', kind: 'instance', state: 'MASTER', priority: 100, since: new Date().toISOString(), source: 'notify' }] }));
      await report(sim1, ha([DNS]));
      expect(await owners()).toMatchObject({ [WEB]: 'owned:sim-2' });
      const [f] = (await call('listFailovers', { params: { cluster: DEMO_CLUSTER }, as: admin })).body.failovers;
      expect(f).toMatchObject({ vip: WEB, from: 'sim-1', to: 'sim-2', failback: false, warning: null });
      expect(f.cause).toContain('VRRP VI_1: sim-2 became MASTER');
    });

    it('alerts on an orphan VIP while a director is connected', async () => {
      await report(sim1, ha([]));
      expect(await owners()).toMatchObject({ [DNS]: 'orphan:' });
      await afterGrace();
      await new Promise((r) => setTimeout(r, 20));
      expect(alerts.filter((a) => a.kind === 'orphan_vip').map((a) => a.subject)).toEqual([DNS]);
    });

    it('warns on a failback onto a director whose connection sync is not complete', async () => {
      await report(sim2, ha([], { connections: 900 }));
      await report(sim1, ha([WEB, DNS], { connections: 12, syncDaemons: [{ state: 'backup', syncId: 0, interface: 'eth0' }] }));
      const { failovers } = (await call('listFailovers', { params: { cluster: DEMO_CLUSTER }, query: { vip: WEB }, as: admin })).body;
      expect(failovers.map((f: { from: string; to: string }) => `${f.from}->${f.to}`)).toEqual(['sim-2->sim-1', 'sim-1->sim-2']);
      expect(failovers[0]).toMatchObject({ failback: true });
      expect(failovers[0].warning).toContain('12 synced connections, far below the 900 of sim-2');
    });

    it("marks the VIP's failovers on its services' timeline", async () => {
      const service = serviceKeyId({ protocol: 'tcp', address: WEB, port: 80 });
      const tl = await call('serviceTimeline', { params: { cluster: DEMO_CLUSTER }, query: { service, hours: 1 }, as: admin });
      expect(tl.status, tl.text).toBe(200);
      const marks = tl.body.marks.filter((m: { kind: string }) => m.kind === 'failover');
      expect(marks.map((m: { from: string; to: string }) => `${m.from}->${m.to}`)).toEqual(['sim-1->sim-2', 'sim-2->sim-1']);
      expect(marks[1].detail).toContain('failback');
    });

    it('the demo failover demotes the segment master in the control file, and nothing else', async () => {
      const seg = path.join(dir, 'segment');
      process.env.LVS_DEMO_VRRP_DIR = seg;
      const none = await call('demoFailover', { params: { cluster: DEMO_CLUSTER }, as: admin });
      expect(none.status).toBe(409);
      expect(none.body.error).toContain('no simulated director is MASTER');
      writeJsonAtomic(path.join(seg, SIM_VRRP_ADVERTS_DIR, 'sim-1.json'), { id: 'sim-1', priority: 150, state: 'MASTER', at: Date.now() });
      writeJsonAtomic(path.join(seg, SIM_VRRP_ADVERTS_DIR, 'sim-2.json'), { id: 'sim-2', priority: 100, state: 'BACKUP', at: Date.now() });
      const r = await call('demoFailover', { params: { cluster: DEMO_CLUSTER }, as: admin });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toEqual({ from: 'sim-1', to: 'sim-2', reason: 'demo failover requested by admin' });
      expect(readSimControl(seg)).toMatchObject({ demote: 'sim-1', reason: 'demo failover requested by admin' });
      expect(fs.readdirSync(seg).sort()).toEqual([SIM_VRRP_ADVERTS_DIR, SIM_VRRP_CONTROL_FILE]);
      expect((await call('clusterHa', { params: { cluster: DEMO_CLUSTER }, as: admin })).body.demoFailover).toBe(true);
    });

    it('refuses the demo failover outside the demo (no simulated segment)', async () => {
      delete process.env.LVS_DEMO_VRRP_DIR;
      const r = await call('demoFailover', { params: { cluster: DEMO_CLUSTER }, as: admin });
      expect(r.status).toBe(409);
      expect(r.body.error).toContain('exists only in the demo');
    });
  });
}
