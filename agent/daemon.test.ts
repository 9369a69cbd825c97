// The daemon wired together in-process: simulated director, fake control plane over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { DirectorConfigSchema, type DirectorConfigInput } from '../lib/ipvs/model';
import { configHash } from '../lib/ipvs/hash';
import type { DesiredRevision } from '../lib/protocol/messages';
import { SimEngine } from './engines/sim';
import { FakeControlPlane } from './testing/fake-control-plane';
import { startDaemon, type Daemon } from './daemon';
import { silentLogger } from './log';
import { StateStore } from './state-store';

const rev = (n: number, input: DirectorConfigInput): DesiredRevision => {
  const config = DirectorConfigSchema.parse(input);
  return { cluster: 'c', revision: n, hash: configHash(config), createdAt: new Date().toISOString(), driftPolicy: 'enforce', config };
};

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(o: { saved?: DesiredRevision; server?: string; offlineGraceMs?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-daemon-'));
  // its checks directory: one executable script, one plain file (not a script it can run)
  const checksDir = path.join(dir, 'checks');
  fs.mkdirSync(checksDir);
  fs.writeFileSync(path.join(checksDir, 'check_db.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(checksDir, 'README'), 'not a script\n', { mode: 0o644 });
  if (o.saved) new StateStore(dir).save({ version: 1, desired: o.saved, acked: null, health: [] });
  const cp = new FakeControlPlane();
  await cp.listen();
  const sim = new SimEngine({ seed: 3 });
  sim.start();
  const daemon: Daemon = await startDaemon({
    server: o.server ?? cp.url,
    token: cp.token,
    engine: sim,
    probeBackend: (a, p) => sim.probeBackend(a, p),
    stateDir: dir,
    checksDir,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    reconcileIntervalMs: 200,
    statsIntervalMs: 100,
    offlineGraceMs: o.offlineGraceMs ?? 60_000,
    log: silentLogger,
  });
  cleanup.push(async () => {
    await daemon.stop();
    await sim.close();
    await cp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const metricsUrl = `http://127.0.0.1:${(daemon.metricsServer!.address() as net.AddressInfo).port}/metrics`;
  return { dir, cp, sim, daemon, metricsUrl };
}

describe('lvs-agent daemon', () => {
  it('applies pushed revisions, health-checks, quiesces a failing server and restores it, serves /metrics and answers connection queries', async () => {
    const { cp, sim, daemon, metricsUrl } = await setup();
    await cp.waitFor(() => cp.reportsOf('hello').length === 1, 10_000, 'hello');
    expect(cp.reportsOf('hello')[0]).toMatchObject({ lastAppliedRevision: null, capabilities: { engine: 'sim', ipvsVersion: '1.2.1', checkScripts: ['check_db.sh'] } });
    const hc = { type: 'tcp', interval: 1, timeout: 1, rise: 1, fall: 1, onFailure: 'quiesce' };
    cp.publish(
      rev(1, {
        services: [
          {
            protocol: 'tcp',
            address: '10.0.0.1',
            port: 80,
            scheduler: 'wrr',
            healthCheck: hc,
            realServers: [
              { address: '10.0.1.1', weight: 4 },
              { address: '10.0.1.2', weight: 4 },
            ],
          },
        ],
      } as DirectorConfigInput),
    );
    await cp.waitFor(() => cp.reportsOf('ack').some((a) => a.revision === 1), 10_000, 'ACK 1');

    sim.setBackendHealth('10.0.1.2', 80, false, 'connect ECONNREFUSED');
    await cp.waitFor(() => cp.reportsOf('health').some((h) => h.states.some((s) => s.server.address === '10.0.1.2' && !s.healthy)), 10_000, 'unhealthy report');
    const failing = cp
      .reportsOf('health')
      .flatMap((h) => h.states)
      .find((s) => !s.healthy)!;
    expect(failing.reason).toBe('1 consecutive failed tcp checks: connect ECONNREFUSED');
    await cp.waitFor(() => cp.reportsOf('state').some((s) => s.actual.services[0]?.realServers.find((r) => r.address === '10.0.1.2')?.weight === 0), 10_000, 'quiesced in the kernel');
    expect(cp.reportsOf('ack')).toHaveLength(1); // the overlay is not a new revision
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('lvs_backend_healthy{protocol="tcp",address="10.0.0.1",port="80",fwmark="",family="inet",server_address="10.0.1.2",server_port="80"} 0');
    expect(metrics).toContain('lvs_agent_applied_revision 1');
    expect(metrics).toMatch(/node_ipvs_backend_weight\{local_address="10.0.0.1",local_port="80",remote_address="10.0.1.2",remote_port="80",proto="TCP",local_mark=""\} 0/);

    sim.setBackendHealth('10.0.1.2', 80, true);
    await cp.waitFor(() => (daemon.reconciler.live?.services[0]?.realServers.find((r) => r.address === '10.0.1.2')?.weight ?? 0) === 4, 10_000, 'restored');

    // a connection held open through the director, then asked for by the control plane
    const held = sim.request({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, '198.51.100.7', { hold: true });
    cp.send('conn-query', { requestId: 'q1', filter: { client: '198.51.100.7' }, offset: 0, limit: 10 });
    await cp.waitFor(() => cp.answers.some((a) => a.requestId === 'q1'), 10_000, 'conn answer');
    const answer = cp.answers.find((a) => a.requestId === 'q1')!;
    expect(answer.total).toBe(1);
    expect(answer.entries[0]).toMatchObject({ clientAddress: '198.51.100.7', virtualAddress: '10.0.0.1', virtualPort: 80, state: 'ESTABLISHED' });
    held.close();

    const sampled = () => cp.stats.flatMap((b) => b.samples).filter((s) => s.services.length > 0);
    await cp.waitFor(() => sampled().length > 0, 10_000, 'stats of the service');
    expect(sampled()[0]!.services[0]!.service).toEqual({ protocol: 'tcp', address: '10.0.0.1', port: 80 });
    const at = cp.stats.flatMap((b) => b.samples.map((s) => s.at));
    expect(at).toEqual([...at].sort((a, b) => a - b)); // oldest first
    expect(cp.invalid).toEqual([]);
  });

  it('keeps the last good config and its stats while the control plane is down, then resumes', async () => {
    const { cp, daemon } = await setup();
    cp.publish(rev(1, { services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1' }] }] }));
    await cp.waitFor(() => cp.reportsOf('ack').length === 1, 10_000, 'ACK');
    cp.failWith = 503;
    cp.dropStreams();
    const statsBefore = cp.stats.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(daemon.transport.connected).toBe(false);
    expect((await daemon.reconciler.runPass()).kind).toBe('in-sync'); // still reconciling, nothing flushed
    expect(daemon.reconciler.live!.services).toHaveLength(1);
    cp.failWith = null;
    await cp.waitFor(() => cp.reportsOf('hello').length === 2 && cp.stats.length > statsBefore, 15_000, 'resume');
    expect(cp.reportsOf('hello')[1]!.lastAppliedRevision).toBe(1);
  });

  it('with the control plane unreachable from the start, converges on the saved revision after the grace period', async () => {
    const saved = rev(7, { services: [{ protocol: 'tcp', address: '10.0.0.7', port: 80, realServers: [{ address: '10.0.7.1' }] }] });
    const { sim } = await setup({ saved, server: 'http://127.0.0.1:9', offlineGraceMs: 200 });
    const deadline = Date.now() + 10_000;
    while ((await sim.readConfig()).services.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await sim.readConfig()).services.map((x) => x.realServers.map((r) => r.address))).toEqual([['10.0.7.1']]);
  });

  it('with a reachable control plane that has no revision, does not fall back to an old saved one', async () => {
    const saved = rev(7, { services: [{ protocol: 'tcp', address: '10.0.0.7', port: 80 }] });
    const { cp, sim } = await setup({ saved, offlineGraceMs: 200 });
    await cp.waitFor(() => cp.reportsOf('hello').length === 1, 10_000, 'hello');
    await new Promise((r) => setTimeout(r, 800));
    expect((await sim.readConfig()).services).toEqual([]);
  });
});
