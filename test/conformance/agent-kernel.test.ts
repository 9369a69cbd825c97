// The whole agent against the real kernel: the daemon (reconciler, transport, stats, connection
// queries) with the ipvsadm engine, driving Debian's IPVS and ipvsadm 1.31 in a QEMU guest through
// the shim, with real traffic from a client network namespace to three real-server namespaces
// (NAT), and a fake control plane over HTTP. Skipped without qemu (fails with LVS_REQUIRE_KERNEL=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectorConfigSchema, type DirectorConfigInput } from '@/lib/ipvs/model';
import { configHash } from '@/lib/ipvs/hash';
import { opToCommandLine } from '@/lib/ipvs/ops';
import type { DesiredRevision, DriftPolicy } from '@/lib/protocol/messages';
import { IpvsadmEngine } from '@/agent/engines/ipvsadm';
import { startDaemon, type Daemon } from '@/agent/daemon';
import { FakeControlPlane } from '@/agent/testing/fake-control-plane';
import { silentLogger } from '@/agent/log';
import { bootGuest, hitVip, kernelAvailable, kernelRequired, kernelUnavailableReason, NAT_TOPOLOGY, SHIM, type Guest } from './kernel';

const web = (weights: [number, number, number]) => ({
  protocol: 'tcp',
  address: '10.10.0.1',
  port: 80,
  scheduler: 'wrr',
  realServers: weights.map((w, i) => ({ address: `10.20.${i + 1}.2`, forwarding: 'masq', weight: w })),
});
const rev = (n: number, services: unknown[], driftPolicy: DriftPolicy = 'enforce'): DesiredRevision => {
  const config = DirectorConfigSchema.parse({ services } as DirectorConfigInput);
  return { cluster: 'lab', revision: n, hash: configHash(config), createdAt: new Date().toISOString(), driftPolicy, config };
};

describe.runIf(kernelAvailable)('the agent on a real kernel (QEMU guest)', () => {
  let guest: Guest;
  let cp: FakeControlPlane;
  let daemon: Daemon;
  let stateDir: string;
  const saved = () => guest.exec('ipvsadm -Sn').then((r) => r.stdout);

  beforeAll(async () => {
    guest = await bootGuest('agent');
    Object.assign(process.env, guest.env);
    const t = await guest.exec(NAT_TOPOLOGY);
    if (!t.stdout.includes('ready')) throw new Error(`guest topology failed: ${t.stderr}`);
    cp = new FakeControlPlane();
    await cp.listen();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-agent-kernel-'));
    daemon = await startDaemon({
      server: cp.url,
      token: cp.token,
      engine: new IpvsadmEngine({ bin: SHIM, procNet: null }),
      probeBackend: null,
      stateDir,
      reconcileIntervalMs: 60_000,
      statsIntervalMs: 2000,
      offlineGraceMs: 600_000,
      log: silentLogger,
    });
  }, 240_000);

  afterAll(async () => {
    await daemon?.stop();
    await cp?.close();
    await guest?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("says hello with the real kernel's facts", async () => {
    await cp.waitFor(() => cp.reportsOf('hello').length > 0, 60_000, 'hello');
    expect(cp.reportsOf('hello')[0]!.capabilities).toMatchObject({ engine: 'ipvsadm', ipvsadmVersion: 'v1.31', ipvsVersion: '1.2.1', connTableSize: 4096 });
  }, 90_000);

  it('applies a revision, traffic follows it, and counters and connections come back from the kernel', async () => {
    cp.publish(rev(1, [web([1, 2, 3])]));
    await cp.waitFor(() => cp.reportsOf('ack').some((a) => a.revision === 1), 60_000, 'ACK 1');
    expect(await saved()).toBe('-A -t 10.10.0.1:80 -s wrr\n-a -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 1\n-a -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 2\n-a -t 10.10.0.1:80 -r 10.20.3.2:80 -m -w 3\n');
    const r = await guest.exec(hitVip(12));
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().replace(/ +/g, ' '))
        .sort(),
    ).toEqual(['2 rs1', '4 rs2', '6 rs3']); // wrr 1:2:3
    const sample = () =>
      cp.stats
        .flatMap((b) => b.samples)
        .reverse()
        .find((s) => (s.services[0]?.counters.conns ?? 0) >= 12);
    await cp.waitFor(() => sample() !== undefined, 60_000, 'a stats sample with the 12 connections');
    const svc = sample()!.services[0]!;
    expect(svc.service).toEqual({ protocol: 'tcp', address: '10.10.0.1', port: 80 });
    expect(svc.realServers.map((x) => [x.address, x.counters.conns])).toEqual([
      ['10.20.1.2', 2],
      ['10.20.2.2', 4],
      ['10.20.3.2', 6],
    ]);
    expect(svc.counters.inPkts).toBeGreaterThan(12 * 3);
    expect(svc.counters.outPkts).toBeGreaterThan(0); // NAT: replies pass the director
    cp.send('conn-query', { requestId: 'c1', filter: { virtual: '10.10.0.1:80', dest: '10.20.3.2' }, offset: 0, limit: 4 });
    await cp.waitFor(() => cp.answers.some((a) => a.requestId === 'c1'), 60_000, 'connection answer');
    const a = cp.answers.find((x) => x.requestId === 'c1')!;
    expect(a.total).toBe(6);
    expect(a.entries).toHaveLength(4);
    for (const e of a.entries)
      expect(e).toMatchObject({ protocol: 'TCP', clientAddress: '10.30.0.2', virtualAddress: '10.10.0.1', virtualPort: 80, destAddress: '10.20.3.2', destPort: 80, template: false });
  }, 180_000);

  it('reports a hand-made change as drift with the exact ops and corrects it under enforce', async () => {
    await guest.exec('ipvsadm -e -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 9');
    cp.send('reconcile', { reason: 'test' });
    await cp.waitFor(() => cp.reportsOf('state').some((s) => s.drift !== null), 60_000, 'drift report');
    const drift = cp.reportsOf('state').find((s) => s.drift)!.drift!;
    expect(drift.ops.map(opToCommandLine)).toEqual(['ipvsadm -e -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 1']);
    await cp.waitFor(() => cp.reportsOf('state').at(-1)!.drift === null, 60_000, 'drift corrected');
    expect(await saved()).toContain('-a -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 1\n');
  }, 120_000);

  it('leaves drift alone and keeps flagging it under report', async () => {
    cp.publish(rev(2, [web([1, 2, 3])], 'report'));
    await cp.waitFor(() => cp.reportsOf('ack').some((a) => a.revision === 2), 60_000, 'ACK 2');
    expect(cp.reportsOf('ack').find((a) => a.revision === 2)!.opsApplied).toBe(0); // nothing to change: nothing touched
    await guest.exec('ipvsadm -e -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 7');
    const before = cp.reports.length;
    cp.send('reconcile', { reason: 'test' });
    await cp.waitFor(() => cp.reports.slice(before).some((s) => s.type === 'state' && s.drift !== null), 60_000, 'drift report');
    await daemon.reconciler.runPass();
    expect(await saved()).toContain('-a -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 7\n');
    expect(daemon.reconciler.drift!.ops.map(opToCommandLine)).toEqual(['ipvsadm -e -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 2']);
  }, 120_000);

  it("NACKs what the kernel refuses with the op and ipvsadm's message, leaves nothing after it, and recovers", async () => {
    const svc2 = (servers: string[]) => ({ protocol: 'tcp', address: '10.10.0.2', port: 80, scheduler: 'rr', realServers: servers.map((address) => ({ address, forwarding: 'masq' })) });
    const svc3 = { protocol: 'tcp', address: '10.10.0.3', port: 80, scheduler: 'rr', realServers: [{ address: '10.20.3.2', forwarding: 'masq' }] };
    cp.publish(rev(3, [web([1, 2, 3]), svc2(['10.20.1.2', '224.0.0.1']), svc3]));
    await cp.waitFor(() => cp.reportsOf('nack').some((n) => n.revision === 3), 60_000, 'NACK 3');
    const nack = cp.reportsOf('nack').find((n) => n.revision === 3)!;
    expect(nack).toMatchObject({
      command: 'ipvsadm -a -t 10.10.0.2:80 -r 224.0.0.1:80 -m -w 1',
      message: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
      exitCode: 255,
    });
    expect(nack.failedOp).toMatchObject({ op: 'add-server', server: { address: '224.0.0.1' } });
    const after = await saved();
    expect(after).toContain('-a -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 2\n'); // the new revision's ops before the failure
    expect(after).toContain('-a -t 10.10.0.2:80 -r 10.20.1.2:80 -m -w 1\n');
    expect(after).not.toContain('10.10.0.3'); // and nothing after it
    cp.publish(rev(4, [web([1, 2, 3]), svc2(['10.20.1.2']), svc3]));
    await cp.waitFor(() => cp.reportsOf('ack').some((a) => a.revision === 4), 60_000, 'ACK 4');
    expect(await saved()).toContain('-A -t 10.10.0.3:80 -s rr\n');
    expect(cp.invalid).toEqual([]);
  }, 180_000);
});

describe.runIf(!kernelAvailable && kernelRequired)('the agent on a real kernel: required', () => {
  it('has a kernel to test against (LVS_REQUIRE_KERNEL=1)', () => {
    throw new Error(`LVS_REQUIRE_KERNEL=1 but the real-kernel agent test cannot run: ${kernelUnavailableReason()}`);
  });
});
