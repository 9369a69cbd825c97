// The whole chain against a real kernel: a started control plane, an agent with the ipvsadm engine
// pointed (through scripts/ipvsadm-vm-shim.mjs) at the QEMU guest of ../shared/ipvs-vm. A change
// made through the API lands in the guest's kernel (`ipvsadm -Sn` there shows it), the director
// reports it applied, and counters of real traffic in the guest reach the API's stats.
// Runs when qemu and ../shared/ipvs-vm exist; LVS_REQUIRE_KERNEL=1 makes their absence a failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '@/lib/server/clusters';
import { db } from '@/lib/server/db';
import { registerDirector } from '@/lib/server/directors';
import { createToken, createUser } from '@/lib/server/users';
import { hitVip, IPVS_VM_DIR, kernelAvailable, kernelRequired, kernelUnavailableReason, NAT_TOPOLOGY, SHIM } from '../conformance/kernel';
import { pathToFileURL } from 'node:url';
import { createTestDb, type TestDb } from '../db/harness';
import { startAgent, startServer, waitFor, type Proc, type Server } from './harness';

const VIP = { protocol: 'tcp', address: '10.10.0.1', port: 80 } as const;

type Vm = { sock: { destroy(): void }; exec(cmd: string): Promise<{ code: number; stdout: string; stderr: string }>; stop(): Promise<void> };
type VmClass = { start(o: { env: Record<string, string> }): Promise<Vm>; connect(sock: string, o?: { timeoutMs?: number }): Promise<Vm> };

/**
 * The guest's control socket serves one client at a time, and the agent's shim needs it for every
 * ipvsadm call: so this test holds no connection between its own commands.
 */
async function bootGuest() {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvsvm-kchain-'));
  const env = { IPVSVM_RUN: run, IPVSVM_CLIENT: path.join(IPVS_VM_DIR, 'ipvsvm-client.mjs') };
  const { IpvsVm } = (await import(pathToFileURL(env.IPVSVM_CLIENT).href)) as { IpvsVm: VmClass };
  (await IpvsVm.start({ env })).sock.destroy();
  const sock = path.join(run, 'ctl.sock');
  return {
    env,
    async exec(cmd: string) {
      const vm = await IpvsVm.connect(sock);
      try {
        return await vm.exec(cmd);
      } finally {
        vm.sock.destroy();
      }
    },
    async stop() {
      const vm = await IpvsVm.connect(sock, { timeoutMs: 20_000 }).catch(() => null);
      await vm?.stop();
      fs.rmSync(run, { recursive: true, force: true });
    },
  };
}
type Guest = Awaited<ReturnType<typeof bootGuest>>;

describe.runIf(kernelAvailable)('control plane -> agent (ipvsadm engine) -> real kernel in QEMU', () => {
  let guest: Guest;
  let tdb: TestDb;
  let server: Server;
  let agent: Proc;
  let op: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-kchain-'));
  const api = async (p: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${server.url}${p}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: await res.json() };
  };
  const director = async () => (await api('/api/v1/clusters/kern/directors/vm1')).body;

  beforeAll(async () => {
    [guest, tdb] = await Promise.all([bootGuest(), createTestDb('sqlite')]);
    const topo = await guest.exec(NAT_TOPOLOGY);
    expect(topo.code, topo.stderr).toBe(0);
    const sys = { actor: 'test', clientIp: null };
    await createUser({ username: 'admin', password: 'correct horse battery staple', role: 'admin' }, sys);
    const u = await (await db()).user.findUniqueOrThrow({ where: { username: 'admin' } });
    op = (await createToken({ kind: 'user', via: 'session', userId: u.id, username: 'admin', role: 'admin', userRole: 'admin', actor: 'admin' }, { name: 'it', role: 'operator' }, sys)).secret;
    await createCluster({ name: 'kern', description: 'the QEMU guest', driftPolicy: 'enforce', config: undefined }, sys);
    const tokenFile = path.join(dir, 'vm1.token');
    fs.writeFileSync(tokenFile, (await registerDirector('kern', 'vm1', sys, 'http://x')).token, { mode: 0o600 });
    server = await startServer(tdb.url);
    agent = await startAgent({
      server: server.url,
      tokenFile,
      stateDir: path.join(dir, 'state'),
      engine: 'ipvsadm',
      args: ['--ipvsadm', SHIM, '--interval', '5', '--stats-interval', '2'],
      env: guest.env,
    });
    await waitFor(async () => (await director()).state === 'applied', 120_000, 'vm1 to connect and apply revision 1', agent, server);
  }, 300_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await guest?.stop();
    await tdb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports the guest's ipvsadm and IPVS versions as its facts", async () => {
    const d = await director();
    expect(d.engine).toBe('ipvsadm');
    expect(d.facts.ipvsadmVersion).toMatch(/1\.31/);
    expect(d.facts.ipvsVersion).toBe('1.2.1');
  });

  it('a change made through the API lands in the kernel and is reported applied', async () => {
    const base = (await api('/api/v1/clusters/kern')).body.currentRevision.number;
    const r = await api('/api/v1/clusters/kern/changes', {
      method: 'POST',
      body: {
        baseRevision: base,
        message: 'web on the guest',
        changes: [{ op: 'add-service', service: { ...VIP, scheduler: 'wrr', realServers: [1, 2, 3].map((i) => ({ address: `10.20.${i}.2`, port: 80, forwarding: 'masq', weight: i })) } }],
      },
    });
    expect(r.status).toBe(201);
    const n = r.body.revision.number;
    await waitFor(async () => (await director()).appliedRevision === n, 120_000, `vm1 to ACK revision ${n}`, agent, server);
    const saved = await guest.exec('ipvsadm -Sn');
    expect(saved.stdout.split('\n').filter(Boolean)).toEqual([
      '-A -t 10.10.0.1:80 -s wrr',
      '-a -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 1',
      '-a -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 2',
      '-a -t 10.10.0.1:80 -r 10.20.3.2:80 -m -w 3',
    ]);
    expect((await director()).state).toBe('applied');
  });

  it('a weight edit is one -e in the kernel', async () => {
    const base = (await api('/api/v1/clusters/kern')).body.currentRevision.number;
    const preview = await api('/api/v1/clusters/kern/plan', {
      method: 'POST',
      body: { baseRevision: base, message: 'x', changes: [{ op: 'edit-server', service: VIP, server: { address: '10.20.3.2', port: 80 }, set: { weight: 0 } }] },
    });
    expect(preview.body.directors[0].commands).toEqual(['ipvsadm -e -t 10.10.0.1:80 -r 10.20.3.2:80 -m -w 0']);
    const r = await api('/api/v1/clusters/kern/changes', {
      method: 'POST',
      body: { baseRevision: base, message: 'quiesce rs3', changes: [{ op: 'edit-server', service: VIP, server: { address: '10.20.3.2', port: 80 }, set: { weight: 0 } }] },
    });
    await waitFor(async () => (await director()).appliedRevision === r.body.revision.number, 120_000, 'the quiesce to be applied', agent, server);
    expect((await guest.exec('ipvsadm -Sn')).stdout).toContain('-a -t 10.10.0.1:80 -r 10.20.3.2:80 -m -w 0');
  });

  it('counters of real traffic in the guest reach the API', async () => {
    const hit = await guest.exec(hitVip(30));
    expect(hit.stdout).not.toContain('FAIL');
    expect(hit.stdout).toMatch(/rs1/);
    const svc = encodeURIComponent('tcp|10.10.0.1|80');
    await waitFor(
      async () => {
        const s = (await api(`/api/v1/clusters/kern/stats/live?range=5m&director=vm1&service=${svc}`)).body;
        return s.total.points.some((p: { cps: number; inactConns: number; activeConns: number }) => p.cps > 0 || p.inactConns + p.activeConns > 0);
      },
      90_000,
      'traffic counters from the guest kernel in the live stats',
      agent,
      server,
    );
    const s = (await api(`/api/v1/clusters/kern/stats/live?range=5m&director=vm1&service=${svc}`)).body;
    const labels = s.breakdown.map((b: { label: string }) => b.label);
    expect(labels).toEqual(['10.20.1.2:80', '10.20.2.2:80', '10.20.3.2:80']);
    // rs3 was quiesced (weight 0) before the traffic: the kernel gave it nothing
    const rs3 = s.breakdown.find((b: { label: string }) => b.label === '10.20.3.2:80');
    expect(rs3.points.every((p: { activeConns: number; inactConns: number }) => p.activeConns + p.inactConns === 0)).toBe(true);
  });
});

describe.runIf(!kernelAvailable && kernelRequired)('kernel chain: real kernel required', () => {
  it('has a kernel to test against (LVS_REQUIRE_KERNEL=1)', () => {
    throw new Error(`LVS_REQUIRE_KERNEL=1 but the kernel chain test cannot run: ${kernelUnavailableReason()}`);
  });
});
