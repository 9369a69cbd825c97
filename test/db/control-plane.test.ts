// The control plane end to end through its route handlers, on SQLite and on PostgreSQL (the same
// suite; PostgreSQL when LVS_TEST_PG_URL is set, required when LVS_REQUIRE_PG=1): revisions and
// change sets, conflicts, plan preview, rollback, diff, import/export, directors and what their
// agents report, drains, the agent stream, connection queries, users, sign-in limits, audit, stats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configHash } from '@/lib/ipvs/hash';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import { PROTOCOL_VERSION, type DesiredRevision, type Report } from '@/lib/protocol/messages';
import { db, dbTarget } from '@/lib/server/db';
import { writeRollups } from '@/lib/server/rollup-writer';
import { statsStore } from '@/lib/server/stats';
import { call, signIn, type Caller } from '../api/caller';
import { SseReader } from '../api/sse-reader';
import { tarOf } from '../tar';
import { gzipSync } from 'node:zlib';
import { backends, closeTestDb, dbWithUsers, PASSWORD, rollupRow, type TestDb } from './harness';
import { WEB_KEY, webService } from '@/lib/ipvs/__fixtures__/builders';

const WEB = webService();

function capabilities() {
  return { agentVersion: '0.1.0', engine: 'sim' as const, hostname: 'd1', kernel: '6.1.0', ipvsVersion: '1.2.1', ipvsadmVersion: null, connTableSize: 4096, schedulers: ['rr', 'wrr', 'wlc'] };
}

function snapshot(at: number, cps: number, conns: number): StatsSnapshot {
  const rates = { cps, inpps: cps * 10, outpps: cps * 8, inbps: cps * 1000, outbps: cps * 9000 };
  const counters = { conns, inPkts: conns * 10, outPkts: conns * 8, inBytes: conns * 1000, outBytes: conns * 9000 };
  const rs = (address: string, share: number) => ({
    address,
    port: 80,
    activeConns: 10 * share,
    inactConns: 2 * share,
    persistConns: 0,
    counters: { conns: conns * share, inPkts: conns * 10 * share, outPkts: conns * 8 * share, inBytes: conns * 1000 * share, outBytes: conns * 9000 * share },
    rates: { cps: cps * share, inpps: cps * 10 * share, outpps: cps * 8 * share, inbps: cps * 1000 * share, outbps: cps * 9000 * share },
  });
  return { at, totals: { counters, rates }, services: [{ service: WEB_KEY, counters, rates, realServers: [rs('10.0.1.1', 0.5), rs('10.0.1.2', 0.5)] }] };
}

for (const backend of backends()) {
  describe(`control plane on ${backend}`, () => {
    let tdb: TestDb;
    let admin: Caller;
    let oper: Caller;
    let viewer: Caller;
    // an import preview against revision 5, by the operator
    const dryImport = (body: Record<string, unknown>) => call('importConfig', { params: { cluster: 'web' }, body: { ...body, baseRevision: 5, dryRun: true }, as: oper });

    beforeAll(async () => {
      ({
        tdb,
        as: { admin, olga: oper, vic: viewer },
      } = await dbWithUsers(backend, { admin: 'admin', olga: 'operator', vic: 'viewer' }));
    });
    afterAll(() => closeTestDb(tdb));

    describe('clusters and revisions', () => {
      it('creates a cluster with revision 1, refuses a taken or malformed name with the field named', async () => {
        const r = await call('createCluster', { body: { name: 'web', description: 'front', config: { services: [WEB] } }, as: oper });
        expect(r.status).toBe(201);
        expect(r.body.currentRevision).toMatchObject({ number: 1, author: 'olga' });
        expect(r.body.config.services).toHaveLength(1);
        expect(r.body.services).toBe(1);
        expect(r.body.realServers).toBe(2);
        const dup = await call('createCluster', { body: { name: 'web' }, as: oper });
        expect(dup.status).toBe(409);
        expect(dup.body.issues).toEqual([{ path: 'name', message: 'already taken' }]);
        const bad = await call('createCluster', { body: { name: 'Web Cluster' }, as: oper });
        expect(bad.status).toBe(400);
        expect(bad.body.issues[0].path).toBe('name');
        expect(bad.body.issues[0].message).toMatch(/lowercase letters/);
      });

      it('commits a change set as a new immutable revision with a summary', async () => {
        const r = await call('commitChanges', {
          params: { cluster: 'web' },
          body: {
            baseRevision: 1,
            message: 'add a third server, weight 3 on the first',
            changes: [
              { op: 'add-server', service: WEB_KEY, server: { address: '10.0.1.3', weight: 2 } },
              { op: 'edit-server', service: WEB_KEY, server: { address: '10.0.1.1', port: 80 }, set: { weight: 3 } },
            ],
          },
          as: oper,
        });
        expect(r.status).toBe(201);
        expect(r.body.revision).toMatchObject({ number: 2, parent: 1, author: 'olga', message: 'add a third server, weight 3 on the first' });
        expect(r.body.revision.summary).not.toBe('no changes');
        const rev = await call('getRevision', { params: { cluster: 'web', revision: 2 }, as: viewer });
        expect(rev.body.config.services[0].realServers.map((s: { address: string; weight: number }) => [s.address, s.weight])).toEqual([
          ['10.0.1.1', 3],
          ['10.0.1.2', 1],
          ['10.0.1.3', 2],
        ]);
        expect(rev.body.hash).toBe(configHash(DirectorConfigSchema.parse(rev.body.config)));
        // revision 1 is untouched
        const r1 = await call('getRevision', { params: { cluster: 'web', revision: 1 }, as: viewer });
        expect(r1.body.config.services[0].realServers).toHaveLength(2);
      });

      it('a change set on a stale base is 409 with the current revision; nothing is overwritten', async () => {
        const r = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 1, message: 'stale edit', changes: [{ op: 'remove-service', service: WEB_KEY }] },
          as: admin,
        });
        expect(r.status).toBe(409);
        expect(r.body.current).toMatchObject({ number: 2, author: 'olga' });
        expect(r.body.issues).toEqual([{ path: 'baseRevision', message: 'stale: the current revision is 2' }]);
        expect((await call('getCluster', { params: { cluster: 'web' }, as: viewer })).body.currentRevision.number).toBe(2);
      });

      it('two concurrent commits on one base: exactly one wins, the other gets 409', async () => {
        const mk = (w: number) =>
          call('commitChanges', {
            params: { cluster: 'web' },
            body: { baseRevision: 2, message: `w${w}`, changes: [{ op: 'edit-server', service: WEB_KEY, server: { address: '10.0.1.2', port: 80 }, set: { weight: w } }] },
            as: oper,
          });
        const rs = await Promise.all([mk(5), mk(6), mk(7)]);
        expect(rs.map((r) => r.status).sort()).toEqual([201, 409, 409]);
        expect((await call('listRevisions', { params: { cluster: 'web' }, as: viewer })).body.revisions[0].number).toBe(3);
      });

      it('changes that cannot apply are 422 naming the change; malformed ones are 400 naming the field', async () => {
        const missing = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 3, message: 'x', changes: [{ op: 'edit-service', service: { protocol: 'udp', address: '10.0.0.1', port: 53 }, set: { scheduler: 'rr' } }] },
          as: oper,
        });
        expect(missing.status).toBe(422);
        expect(missing.body.issues).toEqual([{ path: 'changes.0.service', message: 'no service UDP 10.0.0.1:53 to edit' }]);
        const badWeight = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 3, message: 'x', changes: [{ op: 'add-server', service: WEB_KEY, server: { address: '10.0.1.9', weight: -1 } }] },
          as: oper,
        });
        expect(badWeight.status).toBe(400);
        expect(badWeight.body.issues[0].path).toBe('changes.0.server.weight');
        const badResult = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 3, message: 'x', changes: [{ op: 'add-server', service: WEB_KEY, server: { address: '10.0.1.9', port: 8080, forwarding: 'route' } }] },
          as: oper,
        });
        expect(badResult.status).toBe(422);
        expect(badResult.body.issues[0].path).toMatch(/^result\.services\.0\.realServers\.\d+\.port$/);
        expect(badResult.body.issues[0].message).toMatch(/^TCP 10\.0\.0\.1:80: .*masq/);
        const noop = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 3, message: 'x', changes: [{ op: 'edit-service', service: WEB_KEY, set: { scheduler: 'wrr' } }] },
          as: oper,
        });
        expect(noop.status).toBe(422);
        expect(noop.body.error).toMatch(/nothing to apply/);
        const notJson = await call('commitChanges', { params: { cluster: 'web' }, rawBody: '{"baseRevision":', as: oper });
        expect(notJson.status).toBe(400);
        expect(notJson.body.error).toBe('the body is not valid JSON');
      });

      it("plan preview shows the result, the diff and each director's commands without committing", async () => {
        const reg = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb1' }, as: oper });
        const p = await call('previewChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 3, message: 'preview', changes: [{ op: 'edit-service', service: WEB_KEY, set: { scheduler: 'wlc' } }] },
          as: oper,
        });
        expect(p.status).toBe(200);
        expect(p.body.unchanged).toBe(false);
        expect(p.body.config.services[0].scheduler).toBe('wlc');
        expect(p.body.rules.after).toContain('-s wlc');
        expect(p.body.directors).toHaveLength(1);
        // lb1 has never reported: it is planned against an empty table (the whole config gets added)
        expect(p.body.directors[0]).toMatchObject({ director: 'lb1', basis: 'none', connected: false });
        expect(p.body.directors[0].commands[0]).toMatch(/^ipvsadm -A -t 10\.0\.0\.1:80 -s wlc/);
        // now lb1 reports its live table = revision 3: the plan is one -E
        const rev3 = (await call('getRevision', { params: { cluster: 'web', revision: 3 }, as: viewer })).body.config;
        await call('agentReport', { body: { type: 'state', actual: rev3, drift: null }, as: { token: reg.body.token } });
        const p2 = await call('previewChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 3, message: 'preview', changes: [{ op: 'edit-service', service: WEB_KEY, set: { scheduler: 'wlc' } }] },
          as: oper,
        });
        expect(p2.body.directors[0].basis).toBe('reported');
        expect(p2.body.directors[0].commands).toEqual(['ipvsadm -E -t 10.0.0.1:80 -s wlc']);
        expect((await call('listRevisions', { params: { cluster: 'web' }, as: viewer })).body.revisions[0].number).toBe(3);
      });

      it('rolls back by creating a new revision equal to an old one, and diffs any two', async () => {
        const r = await call('rollback', { params: { cluster: 'web' }, body: { toRevision: 1, baseRevision: 3 }, as: oper });
        expect(r.status).toBe(201);
        expect(r.body.revision.number).toBe(4);
        expect(r.body.revision.message).toMatch(/roll back to revision 1/);
        const [r1, r4] = await Promise.all([1, 4].map(async (n) => (await call('getRevision', { params: { cluster: 'web', revision: n }, as: viewer })).body));
        expect(r4.hash).toBe(r1.hash);
        const again = await call('rollback', { params: { cluster: 'web' }, body: { toRevision: 1, baseRevision: 4 }, as: oper });
        expect(again.status).toBe(422);
        const d = await call('diffRevisions', { params: { cluster: 'web' }, query: { from: 1, to: 3 }, as: viewer });
        expect(d.status).toBe(200);
        expect(d.body.from.number).toBe(1);
        expect(d.body.to.number).toBe(3);
        expect(d.body.diff).toBeTruthy();
        expect(d.body.rules.unified).toContain('--- web revision 1');
        expect(d.body.rules.unified).toMatch(/^\+-a -t 10\.0\.0\.1:80 -r 10\.0\.1\.3:80 -g -w 2$/m);
        const nf = await call('diffRevisions', { params: { cluster: 'web' }, query: { from: 1, to: 99 }, as: viewer });
        expect(nf.status).toBe(404);
      });

      it('imports ipvsadm-save text with every bad line named, previews with dryRun, commits otherwise', async () => {
        const bad = ['-A -t 10.0.0.2:443 -s rr', '-a -t 10.0.0.2:443 -r 10.0.2.1:443 -g -w 1', '-a -t 10.0.0.2:443 -r 10.0.2.2:443 -g -w banana', '-Q nonsense'].join('\n');
        const r = await call('importConfig', { params: { cluster: 'web' }, body: { format: 'rules', text: bad, baseRevision: 4 }, as: oper });
        expect(r.status).toBe(422);
        expect(r.body.issues.map((i: { line: number }) => i.line)).toEqual([3, 4]);
        expect(r.body.issues[0]).toMatchObject({ path: 'text', line: 3 });
        expect(r.body.issues[0].message).toMatch(/^line 3: /);
        const good = ['-A -t 10.0.0.2:443 -s rr -p 600', '-a -t 10.0.0.2:443 -r 10.0.2.1:443 -g -w 1', '-a -t 10.0.0.2:443 -r 10.0.2.2:443 -g -w 1', ''].join('\n');
        const dry = await call('importConfig', { params: { cluster: 'web' }, body: { text: good, baseRevision: 4, dryRun: true }, as: oper });
        expect(dry.status).toBe(200);
        expect(dry.body.revision).toBeNull();
        expect(dry.body.plan.counts).toEqual({ services: { total: 1, added: 1, changed: 0, removed: 1 }, realServers: { total: 2, added: 2, changed: 0, removed: 2 } });
        expect(dry.body.plan).not.toHaveProperty('config');
        expect(dry.body.plan).not.toHaveProperty('rules');
        expect(dry.body.plan.directors.every((d: { opsTotal: number; ops: unknown[] }) => d.opsTotal === d.ops.length)).toBe(true);
        const done = await call('importConfig', { params: { cluster: 'web' }, body: { text: good, baseRevision: 4, message: 'onboard lb-old' }, as: oper });
        expect(done.status).toBe(201);
        expect(done.body.revision).toMatchObject({ number: 5, message: 'onboard lb-old' });
        const exported = await call('exportConfig', { params: { cluster: 'web' }, query: { format: 'rules' }, as: viewer });
        expect(exported.text).toBe(good);
        expect(done.body.plan.hash).toBe(done.body.revision.hash);
        const json = await call('exportConfig', { params: { cluster: 'web' }, query: { format: 'json', revision: 3, download: '1' }, as: viewer });
        expect(json.headers.get('content-disposition')).toBe('attachment; filename="web-r3.json"');
        // a JSON export imports back to the same config
        const back = await dryImport({ format: 'json', text: json.text });
        expect(back.body.plan.hash).toBe(JSON.parse(json.text).hash);
        const sc = await call('exportConfig', { params: { cluster: 'web' }, query: { format: 'sysctl' }, as: viewer });
        expect(sc.status).toBe(200);
        expect(sc.text).toMatch(/^# IPVS settings of web revision \d+/);
        const kc = await call('exportConfig', { params: { cluster: 'web' }, query: { format: 'keepalived' }, as: viewer });
        expect(kc.status).toBe(200);
        expect(kc.text).toMatch(/^virtual_server 10\.0\.0\.2 443 \{$/m);
        // keepalived.conf back in: the same kernel config
        const fromKc = await dryImport({ format: 'keepalived', text: kc.text });
        expect(fromKc.status).toBe(200);
        expect(fromKc.body.plan.hash).toBe(done.body.plan.hash);
        const badKc = await dryImport({ format: 'keepalived', text: 'virtual_server 10.0.0.9 80 {\n  lb_algo nonsense\n}\n' });
        expect(badKc.status).toBe(422);
        expect(badKc.body.issues[0]).toMatchObject({ path: 'text', line: 2 });
        // a keepalived.conf with its included files: which files were read, warnings, errors with file and line
        const multi = await dryImport({
          format: 'keepalived',
          text: 'include conf.d/*.conf\nvrrp_instance VI_1 {\n}\n',
          files: [{ path: 'conf.d/web.conf', text: '@lb1 virtual_server 10.0.0.7 80 {\n@lb1 }\n' }],
          configId: 'lb1',
        });
        expect(multi.status).toBe(200);
        expect(multi.body.keepalived).toMatchObject({
          files: ['keepalived.conf', 'conf.d/web.conf'],
          warnings: [expect.objectContaining({ file: 'keepalived.conf', line: 2, path: 'vrrp_instance' })],
        });
        // an import answers a summary (issue 11 #7): the imported config's one service, as the diff adds it
        expect(multi.body.plan.counts.services.total).toBe(1);
        expect(multi.body.plan.diff.services.added).toEqual(expect.arrayContaining([expect.objectContaining({ service: { protocol: 'tcp', address: '10.0.0.7', port: 80 } })]));
        const badInclude = await dryImport({
          format: 'keepalived',
          text: 'include conf.d/*.conf\n',
          files: [{ path: 'conf.d/web.conf', text: '\nvirtual_server 10.0.0.7 80 {\n  lb_algo nope\n}\n' }],
        });
        expect(badInclude.status).toBe(422);
        expect(badInclude.body.issues[0]).toMatchObject({ path: 'files', file: 'conf.d/web.conf', line: 3 });
        // one archive of /etc/keepalived: the main file found in it, errors and files named as inside it
        const archive = async (files: Record<string, string>, entry?: string) =>
          dryImport({
            format: 'keepalived',
            text: '',
            archive: { name: 'lb1.tar.gz', base64: gzipSync(await tarOf(Object.entries(files).map(([name, body]) => ({ name, body })))).toString('base64'), ...(entry ? { entry } : {}) },
          });
        const fromArchive = await archive({ 'etc/keepalived/keepalived.conf': 'include conf.d/*.conf\n', 'etc/keepalived/conf.d/web.conf': 'virtual_server 10.0.0.7 80 {\n}\n' });
        expect(fromArchive.status).toBe(200);
        expect(fromArchive.body.keepalived.files).toEqual(['etc/keepalived/keepalived.conf', 'etc/keepalived/conf.d/web.conf']);
        expect(fromArchive.body.plan.counts.services.total).toBe(1);
        const badInArchive = await archive({ 'etc/keepalived/keepalived.conf': 'include conf.d/*.conf\n', 'etc/keepalived/conf.d/web.conf': '\nvirtual_server 10.0.0.7 80 {\n  lb_algo nope\n}\n' });
        expect(badInArchive.status).toBe(422);
        expect(badInArchive.body.issues[0]).toMatchObject({ path: 'archive', file: 'etc/keepalived/conf.d/web.conf', line: 3 });
        const hostile = await archive({ 'keepalived.conf': '', '../../x.conf': '' });
        expect(hostile.status).toBe(422);
        expect(hostile.body.issues[0]).toMatchObject({ path: 'archive', file: '../../x.conf', message: expect.stringContaining('lb1.tar.gz: ../../x.conf: archive entry "../../x.conf" climbs out') });
        const both = await dryImport({ format: 'keepalived', text: 'x', archive: { name: 'a.tar', base64: '' } });
        expect(both.status).toBe(400);
        expect(both.body.issues[0]).toMatchObject({ path: 'archive' });
        // an ipvsadm -Ln listing (pasted, trailing blanks lost) imports and says what it cannot carry
        const listing =
          'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.0.0.8:80 wrr\n  -> 10.0.1.1:80                  Route   3      7          0\n';
        const fromList = await dryImport({ format: 'listing', text: listing });
        expect(fromList.status).toBe(200);
        expect(fromList.body.plan.counts.services.total).toBe(1);
        expect(fromList.body.plan.diff.services.added).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              service: { protocol: 'tcp', address: '10.0.0.8', port: 80 },
              value: expect.objectContaining({ realServers: [expect.objectContaining({ address: '10.0.1.1', weight: 3 })] }),
            }),
          ]),
        );
        expect(fromList.body.listing.cannotCarry.join(' ')).toMatch(/thresholds/);
        // net.ipv4.vs.* sysctl.conf lines: only the IPVS settings change; bad lines are named
        const sysctl = await dryImport({ format: 'sysctl', text: '# lvs\nnet.ipv4.vs.expire_quiescent_template = 1\nnet.ipv4.vs.sync_threshold = 3 50\n' });
        expect(sysctl.status).toBe(200);
        expect(sysctl.body.plan.counts.services.changed + sysctl.body.plan.counts.services.added + sysctl.body.plan.counts.services.removed).toBe(0);
        expect(sysctl.body.plan.diff.globals).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'sysctls.expire_quiescent_template', before: null, after: 1 })]));
        const badSysctl = await dryImport({ format: 'sysctl', text: 'net.ipv4.vs.expire_nodest_conn = 1\nnet.ipv4.vs.drop_entry = 7\n' });
        expect(badSysctl.status).toBe(422);
        expect(badSysctl.body.issues).toEqual([{ path: 'text', line: 2, message: 'line 2: drop_entry must be 0–3' }]);
        const badSetting = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: 5, message: 'x', changes: [{ op: 'set-globals', globals: { timeouts: null, syncDaemons: [], sysctls: { conn_reuse_mode: 9 } } }] },
          as: oper,
        });
        expect(badSetting.status).toBe(400);
        expect(JSON.stringify(badSetting.body.issues)).toContain('sysctls');
      });
    });

    describe('directors and their agents', () => {
      let token: string;
      let stream: SseReader;

      it('registers a director with a token shown once and stored only as a hash', async () => {
        const r = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb2' }, as: oper });
        expect(r.status).toBe(201);
        token = r.body.token;
        expect(token).toMatch(/^lvsd_[A-Za-z0-9_-]{43}$/);
        expect(r.body.agentCommand).toContain('--server http://console.test');
        expect(r.body.director).toMatchObject({ name: 'lb2', state: 'never-connected', connected: false, tokenPrefix: token.slice(0, 11) });
        const prisma = await db();
        const row = await prisma.director.findFirstOrThrow({ where: { name: 'lb2' } });
        expect(JSON.stringify(row)).not.toContain(token);
        const dup = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb2' }, as: oper });
        expect(dup.status).toBe(409);
      });

      it('streams the desired revision first, then every new revision once; status follows the reports', async () => {
        const res = await call('agentStream', { as: { token } });
        expect(res.status).toBe(200);
        stream = new SseReader((res.body as unknown as Response).body!);
        const first = await stream.next<DesiredRevision>('desired');
        expect(first).toMatchObject({ cluster: 'web', revision: 5, driftPolicy: 'enforce' });
        let st = (await call('getDirector', { params: { cluster: 'web', director: 'lb2' }, as: viewer })).body;
        expect(st).toMatchObject({ connected: true, state: 'pending', desiredRevision: 5, appliedRevision: null });

        const report = (body: Report) => call('agentReport', { body, as: { token } });
        expect((await report({ type: 'hello', capabilities: capabilities(), lastAppliedRevision: null })).status).toBe(200);
        // an agent of another protocol version is refused with the reason, and nothing of it is recorded
        const alien = await report({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1, capabilities: { ...capabilities(), agentVersion: '9.9.9' }, lastAppliedRevision: null });
        expect(alien.status).toBe(409);
        expect(alien.body).toMatchObject({
          error: expect.stringContaining(`agent refused: the agent speaks protocol version ${PROTOCOL_VERSION + 1} and this console speaks ${PROTOCOL_VERSION}`),
          issues: [{ path: 'protocolVersion' }],
        });
        expect((await report({ type: 'hello', protocolVersion: PROTOCOL_VERSION, capabilities: { ...capabilities(), checkScripts: ['check_db.sh'] }, lastAppliedRevision: null })).status).toBe(200);
        // the director said which check scripts it has: an import naming another one is warned about before the commit
        const misc = (script: string) =>
          dryImport({
            format: 'keepalived',
            text: `virtual_server 10.0.0.8 5432 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.2.1 5432 {\n    MISC_CHECK {\n      misc_path "/usr/local/bin/${script} --port=5432"\n    }\n  }\n}\n`,
          });
        const lacking = await misc('check_pg.sh');
        expect(lacking.status).toBe(200);
        expect(lacking.body.missingScripts).toEqual([{ service: 'tcp|10.0.0.8|5432', where: 'the service', script: 'check_pg.sh', directors: ['lb2'] }]);
        expect((await misc('check_db.sh')).body.missingScripts).toBeUndefined();
        expect((await report({ type: 'state', actual: first.config, drift: null })).status).toBe(200);
        expect((await report({ type: 'ack', revision: 5, hash: first.hash, opsApplied: 4, durationMs: 12 })).status).toBe(200);
        st = (await call('getDirector', { params: { cluster: 'web', director: 'lb2' }, as: viewer })).body;
        expect(st).toMatchObject({ state: 'applied', inSync: true, appliedRevision: 5, agentVersion: '0.1.0', engine: 'sim' });
        expect(st.facts.kernel).toBe('6.1.0');
        expect(st.actual.services).toHaveLength(1);

        // a new revision arrives on the open stream
        await call('commitChanges', { params: { cluster: 'web' }, body: { baseRevision: 5, message: 'more', changes: [{ op: 'add-service', service: WEB }] }, as: oper });
        const second = await stream.next<DesiredRevision>('desired', 10_000, (d) => d.revision === 6);
        expect(second.config.services).toHaveLength(2);
        const nack = await report({
          type: 'nack',
          revision: 6,
          hash: second.hash,
          failedOp: null,
          command: 'ipvsadm -A -t 10.0.0.1:80 -s wrr',
          message: 'Service already exists',
          exitCode: 255,
          opsApplied: 0,
        });
        expect(nack.status).toBe(200);
        st = (await call('getDirector', { params: { cluster: 'web', director: 'lb2' }, as: viewer })).body;
        expect(st.state).toBe('failed');
        expect(st.lastError).toMatchObject({ revision: 6, message: 'Service already exists', command: 'ipvsadm -A -t 10.0.0.1:80 -s wrr' });
        await report({ type: 'ack', revision: 6, hash: second.hash, opsApplied: 3, durationMs: 9 });
        st = (await call('getDirector', { params: { cluster: 'web', director: 'lb2' }, as: viewer })).body;
        expect(st).toMatchObject({ state: 'applied', lastError: null, appliedRevision: 6 });
        // an ACK of a revision that does not exist is refused, not recorded
        expect((await report({ type: 'ack', revision: 99, hash: 'sha256:nope', opsApplied: 0, durationMs: 1 })).status).toBe(422);
      });

      it('drift: reported, then re-applied on request (a reconcile event) or adopted as the next revision', async () => {
        const desired = (await call('getCluster', { params: { cluster: 'web' }, as: viewer })).body.config;
        const live = structuredClone(desired);
        live.services[0].realServers[0].weight = 42;
        const drift = { ops: [], summary: '1 weight changed', detectedAt: new Date().toISOString() };
        await call('agentReport', { body: { type: 'state', actual: live, drift }, as: { token } });
        let st = (await call('getDirector', { params: { cluster: 'web', director: 'lb2' }, as: viewer })).body;
        expect(st.state).toBe('drift');
        expect(st.drift.summary).toBe('1 weight changed');
        const re = await call('reapplyDirector', { params: { cluster: 'web', director: 'lb2' }, as: oper });
        expect(re.body).toEqual({ sent: true, revision: 6 });
        expect((await stream.next<{ reason: string }>('reconcile')).reason).toMatch(/re-apply of revision 6 requested by olga/);
        const adopt = await call('adoptActual', { params: { cluster: 'web', director: 'lb2' }, body: { baseRevision: 6 }, as: oper });
        expect(adopt.status).toBe(201);
        expect(adopt.body.revision.message).toMatch(/adopt the live state of lb2/);
        expect(adopt.body.plan.config.services[0].realServers[0].weight).toBe(42);
        await call('agentReport', { body: { type: 'state', actual: live, drift: null }, as: { token } });
        st = (await call('getDirector', { params: { cluster: 'web', director: 'lb2' }, as: viewer })).body;
        expect(st.drift).toBeNull();
      });

      it('a drain completes into a system revision once every connected director reports it done', async () => {
        const cur = (await call('getCluster', { params: { cluster: 'web' }, as: viewer })).body;
        const base = cur.currentRevision.number;
        const mark = await call('commitChanges', {
          params: { cluster: 'web' },
          body: { baseRevision: base, message: 'drain 10.0.1.2', changes: [{ op: 'remove-server', service: WEB_KEY, server: { address: '10.0.1.2', port: 80 }, drain: { timeout: 120 } }] },
          as: oper,
        });
        expect(mark.status).toBe(201);
        expect(mark.body.plan.config.services[0].realServers.find((r: { address: string }) => r.address === '10.0.1.2').drain).toEqual({ timeout: 120 });
        expect(mark.body.revision.summary).toMatch(/1 real server draining/);
        const drain = (done: boolean) => ({
          type: 'drain' as const,
          drains: [
            { service: WEB_KEY, server: { address: '10.0.1.2', port: 80 }, activeConns: done ? 0 : 3, inactConns: 0, initialConns: 7, deadline: new Date(Date.now() + 120_000).toISOString(), done },
          ],
        });
        await call('agentReport', { body: drain(false), as: { token } });
        expect((await call('getCluster', { params: { cluster: 'web' }, as: viewer })).body.currentRevision.number).toBe(base + 1);
        await call('agentReport', { body: drain(true), as: { token } });
        const after = (await call('getCluster', { params: { cluster: 'web' }, as: viewer })).body;
        expect(after.currentRevision).toMatchObject({ number: base + 2, author: 'system', message: 'system: drain of 10.0.1.2:80 from TCP 10.0.0.1:80 completed' });
        expect(after.config.services[0].realServers.map((r: { address: string }) => r.address)).not.toContain('10.0.1.2');
        await stream.next<DesiredRevision>('desired', 10_000, (d) => d.revision === base + 2);
      });

      it('relays a connection-table query to the agent and its answer back (only from that director), and refuses when it is not connected', async () => {
        const pending = call('listConnections', { params: { cluster: 'web', director: 'lb2' }, query: { client: '198.51.100.7', limit: 2 }, as: viewer });
        const q = await stream.next<{ requestId: string; filter: { client: string }; limit: number; offset: number }>('conn-query');
        expect(q).toMatchObject({ filter: { client: '198.51.100.7', templates: 'include' }, limit: 2, offset: 0 });
        const entry = {
          protocol: 'TCP',
          clientAddress: '198.51.100.7',
          clientPort: 40000,
          virtualAddress: '10.0.0.1',
          virtualPort: 80,
          destAddress: '10.0.1.1',
          destPort: 80,
          state: 'ESTABLISHED',
          expires: 899,
          template: false,
        };
        // another director cannot answer for this one
        const other = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb3' }, as: oper });
        await call('agentConnections', { body: { requestId: q.requestId, total: 0, entries: [] }, as: { token: other.body.token } });
        expect((await call('agentConnections', { body: { requestId: q.requestId, total: 5, entries: [entry, entry] }, as: { token } })).status).toBe(200);
        const page = await pending;
        expect(page.status).toBe(200);
        expect(page.body).toMatchObject({ director: 'lb2', total: 5, offset: 0, limit: 2 });
        expect(page.body.entries).toHaveLength(2);
        const notConnected = await call('listConnections', { params: { cluster: 'web', director: 'lb3' }, as: viewer });
        expect(notConnected.status).toBe(503);
        expect(notConnected.body.error).toMatch(/lb3 is not connected/);
      });

      it('revoking disconnects the agent and refuses its token; rotation issues a new one', async () => {
        const r = await call('revokeDirector', { params: { cluster: 'web', director: 'lb2' }, as: oper });
        expect(r.body).toMatchObject({ state: 'revoked', revoked: true, connected: false });
        await stream.pump;
        expect(stream.closed).toBe(true);
        const refused = await call('agentReport', { body: { type: 'health', states: [] }, as: { token } });
        expect(refused.status).toBe(401);
        expect(refused.body.error).toMatch(/revoked/);
        const rot = await call('rotateDirectorToken', { params: { cluster: 'web', director: 'lb2' }, as: oper });
        expect(rot.body.token).not.toBe(token);
        expect((await call('agentReport', { body: { type: 'health', states: [] }, as: { token } })).status).toBe(401);
        expect((await call('agentReport', { body: { type: 'health', states: [] }, as: { token: rot.body.token } })).status).toBe(200);
      });
    });

    describe('users, sign-in and audit', () => {
      it('rate-limits failed sign-ins per user and address, and audits every attempt', async () => {
        const ip = '203.0.113.9';
        for (let i = 0; i < 5; i++) expect((await call('login', { body: { username: 'vic', password: 'wrong password!' }, as: { ip } })).status).toBe(401);
        const blocked = await call('login', { body: { username: 'vic', password: PASSWORD }, as: { ip } });
        expect(blocked.status).toBe(429);
        expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
        // from another address the right password still works
        expect((await call('login', { body: { username: 'vic', password: PASSWORD }, as: { ip: '203.0.113.10' } })).status).toBe(200);
        const unknown = await call('login', { body: { username: 'nobody', password: 'whatever it is' }, as: { ip: '203.0.113.11' } });
        expect(unknown.status).toBe(401);
        expect(unknown.body.error).toBe('wrong username or password');
        const audit = await call('listAudit', { query: { action: 'login.', limit: 100 }, as: oper });
        const actions = audit.body.events.map((e: { action: string; target: string; clientIp: string }) => `${e.action} ${e.target} ${e.clientIp}`);
        expect(actions.filter((a: string) => a === `login.failure vic ${ip}`)).toHaveLength(5);
        expect(actions).toContain(`login.blocked vic ${ip}`);
        expect(actions).toContain('login.success vic 203.0.113.10');
        expect(actions).toContain('login.failure nobody 203.0.113.11');
      });

      it('answers the audit log with filters and stable pages', async () => {
        const commits = await call('listAudit', { query: { action: 'revision.commit', cluster: 'web', actor: 'olga', limit: 2 }, as: oper });
        expect(commits.body.events).toHaveLength(2);
        expect(commits.body.events.every((e: { action: string; actor: string; cluster: string }) => e.action === 'revision.commit' && e.actor === 'olga' && e.cluster === 'web')).toBe(true);
        expect(commits.body.events[0].afterRevision).toBeGreaterThan(commits.body.events[1].afterRevision);
        const next = await call('listAudit', { query: { action: 'revision.commit', cluster: 'web', actor: 'olga', limit: 2, cursor: commits.body.nextCursor }, as: oper });
        expect(next.body.events[0].afterRevision).toBeLessThan(commits.body.events[1].afterRevision);
        const system = await call('listAudit', { query: { action: 'revision.system' }, as: oper });
        expect(system.body.events[0]).toMatchObject({ actor: 'system', cluster: 'web' });
        for (const a of [
          'cluster.create',
          'director.register',
          'director.revoke',
          'director.rotate',
          'revision.rollback',
          'revision.import',
          'revision.adopt',
          'director.applied',
          'director.failed',
          'director.drift',
          'director.reapply',
        ]) {
          const r = await call('listAudit', { query: { action: a, limit: 1 }, as: oper });
          expect(r.body.events, a).toHaveLength(1);
        }
        const bad = await call('listAudit', { query: { cursor: 'garbage' }, as: oper });
        expect(bad.status).toBe(400);
      });

      it("keeps one enabled admin, caps token roles at the owner's, and ends sessions of a disabled user", async () => {
        const demote = await call('updateUser', { params: { user: 'admin' }, body: { role: 'operator' }, as: admin });
        expect(demote.status).toBe(409);
        expect(demote.body.error).toMatch(/last enabled admin/);
        const tooHigh = await call('createToken', { body: { name: 'x', role: 'admin' }, as: oper });
        expect(tooHigh.status).toBe(403);
        const tok = await call('createToken', { body: { name: 'ci', role: 'operator', expiresInDays: 30 }, as: oper });
        expect(tok.status).toBe(201);
        expect(tok.body.secret).toMatch(/^lvs_/);
        expect((await call('listClusters', { as: { token: tok.body.secret } })).status).toBe(200);
        const mine = await call('listTokens', { as: oper });
        expect(mine.body.tokens.map((t: { name: string }) => t.name)).toEqual(['ci']);
        expect((await call('revokeToken', { params: { token: tok.body.token.id }, as: viewer })).status).toBe(404);
        expect((await call('revokeToken', { params: { token: tok.body.token.id }, as: oper })).status).toBe(200);
        expect((await call('listClusters', { as: { token: tok.body.secret } })).status).toBe(401);
        // disable olga: her session ends at once
        expect((await call('updateUser', { params: { user: 'olga' }, body: { disabled: true }, as: admin })).status).toBe(200);
        expect((await call('listClusters', { as: oper })).status).toBe(401);
        expect((await call('login', { body: { username: 'olga', password: PASSWORD }, as: { ip: '198.51.100.1' } })).status).toBe(401);
        await call('updateUser', { params: { user: 'olga' }, body: { disabled: false }, as: admin });
        oper = await signIn('olga', PASSWORD, '198.51.100.2');
      });
    });

    describe('stats', () => {
      it('keeps per-second points for live charts, minute rollups for history, and prunes by retention', async () => {
        const reg = await call('registerDirector', { params: { cluster: 'web' }, body: { name: 'lb-stats' }, as: oper });
        const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 120_000; // two whole minutes ago
        const samples = Array.from({ length: 120 }, (_, i) => snapshot(t0 + i * 1000, 10 + (i < 60 ? 0 : 10), 1000 + i * 16));
        const r = await call('agentStats', { body: { samples }, as: { token: reg.body.token } });
        expect(r.body).toEqual({ ok: true, accepted: 120 });
        await statsStore.flushAll();
        const live = await call('liveStats', { params: { cluster: 'web' }, query: { director: 'lb-stats', service: 'tcp|10.0.0.1|80', range: '5m' }, as: viewer });
        expect(live.status).toBe(200);
        expect(live.body.step).toBe(1);
        expect(live.body.total.points).toHaveLength(120);
        expect(live.body.total.points[0]).toMatchObject({ t: t0, cps: 10, activeConns: 10 });
        expect(live.body.breakdown.map((s: { label: string }) => s.label)).toEqual(['10.0.1.1:80', '10.0.1.2:80']);
        const hist = await call('historyStats', { params: { cluster: 'web' }, query: { director: 'lb-stats', range: '1h' }, as: viewer });
        expect(hist.body.step).toBe(60);
        expect(hist.body.total.points.map((p: { t: number; cps: number }) => [p.t, p.cps])).toEqual([
          [t0, 10],
          [t0 + 60_000, 20],
        ]);
        const prisma = await db();
        const rows = await prisma.statsRollup.findMany({ where: { serviceKey: '' }, orderBy: { minute: 'asc' } });
        expect(rows.map((x) => Number(x.conns))).toEqual([59 * 16, 60 * 16]);
        expect(await statsStore.prune(Date.now() + 31 * 86400_000)).toBeGreaterThan(0);
        expect(await prisma.statsRollup.count()).toBe(0);
      });

      it('merges a minute written twice (an agent that moved between processes): counters add, averages weigh', async () => {
        const prisma = await db();
        const d = await prisma.director.findFirstOrThrow({ where: { name: 'lb-stats' } });
        const row = (conns: number, cps: number, samples: number) => rollupRow({ directorId: d.id, serviceKey: 'tcp|10.0.0.1|80', minute: 1000, conns, activeConns: cps, cps, samples });
        await writeRollups(dbTarget(), [row(100, 10, 30)]);
        await writeRollups(dbTarget(), [row(50, 40, 10)]);
        const r = await prisma.statsRollup.findUniqueOrThrow({ where: { directorId_serviceKey_destKey_minute: { directorId: d.id, serviceKey: 'tcp|10.0.0.1|80', destKey: '', minute: 1000 } } });
        expect(Number(r.conns)).toBe(150);
        expect(r.samples).toBe(40);
        expect(r.cps).toBeCloseTo((10 * 30 + 40 * 10) / 40, 9);
        // rows of a director that no longer exists are dropped, not an error
        await expect(writeRollups(dbTarget(), [{ ...row(1, 1, 1), directorId: 'gone' }])).resolves.toBeUndefined();
        await prisma.statsRollup.deleteMany({ where: { minute: 1000 } });
      });

      it('streams a backfill and then live samples to browsers', async () => {
        const res = await call('statsStream', { params: { cluster: 'web' }, query: { director: 'lb-stats' }, as: viewer });
        expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
        const s = new SseReader((res.body as unknown as Response).body!);
        const backfill = await s.next<{ total: { points: unknown[] } }>('backfill');
        expect(backfill.total.points.length).toBeGreaterThan(0);
        const reg = await (await db()).director.findFirstOrThrow({ where: { name: 'lb-stats' } });
        const now = Date.now();
        await statsStore.ingest(reg.id, reg.clusterId, [snapshot(now - 1000, 34, 5000), snapshot(now, 34, 5034)]);
        const sample = await s.next<{ t: number; total: { cps: number } }>('sample', 5000, (x) => x.total.cps === 34);
        expect(sample.t).toBe(Math.floor(now / 1000) * 1000 - 1000);
        await s.cancel();
      });
    });

    describe('system routes', () => {
      it('health, OpenAPI and metrics', async () => {
        expect((await call('health')).body).toMatchObject({ ok: true, database: backend });
        const doc = (await call('openapi')).body;
        expect(doc.openapi).toBe('3.1.0');
        expect(doc.paths['/api/v1/clusters/{cluster}/changes'].post.requestBody.content['application/json'].schema.properties.changes).toBeTruthy();
        const m = await call('metrics', { as: viewer });
        expect(m.text).toMatch(/^lvs_http_requests_total\{endpoint="commitChanges",method="POST",status="201"\} \d+$/m);
        expect(m.text).toMatch(/^lvs_directors\{cluster="web",state="revoked"\} 0$|^lvs_directors\{cluster="web",state="applied"\} \d+$|lvs_directors\{/m);
        expect(m.text).toMatch(/^lvs_cluster_revision\{cluster="web"\} \d+$/m);
      });
    });
  });
}
