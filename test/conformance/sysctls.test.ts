// The kernel's IPVS settings on the real kernel (Debian 6.1 in a QEMU guest) and in the simulator:
// set through the agent's ipvsadm engine with withSysctls (the /proc writes go into the guest),
// read back, drift found; and expire_quiescent_template decides where a persistent client goes
// once its server is quiesced — real HTTP from the guest's client netns, a few requests per case,
// with the same scenario run against the simulator, which must agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpvsadmEngine } from '@/agent/engines/ipvsadm';
import { SimEngine } from '@/agent/engines/sim';
import { withSysctls, type SysctlIo } from '@/agent/engines/sysctl-io';
import type { Engine } from '@/agent/engines/engine';
import { DirectorConfigSchema, type DirectorConfigInput } from '@/lib/ipvs/model';
import { plan } from '@/lib/ipvs/plan';
import { isSysctlName } from '@/lib/ipvs/sysctls';
import { bootGuest, kernelAvailable, kernelRequired, kernelUnavailableReason, NAT_TOPOLOGY, SHIM, type Guest } from './kernel';

/** /proc/sys/net/ipv4/vs of the guest: names come from the table and values are digits, so the command lines are fixed text. */
function guestSysctls(guest: Guest): SysctlIo {
  return {
    async readAll() {
      const r = await guest.exec('cd /proc/sys/net/ipv4/vs && for f in *; do printf "%s=%s\\n" "$f" "$(cat $f)"; done');
      return Object.fromEntries(
        r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    },
    async write(name, text) {
      if (!isSysctlName(name) || !/^[\d ]+$/.test(text)) throw new Error(`refusing to write ${name}=${text}`);
      const r = await guest.exec(`echo ${text} > /proc/sys/net/ipv4/vs/${name}`);
      if (r.code !== 0) throw Object.assign(new Error(r.stderr), { code: /Invalid argument/.test(r.stderr) ? 'EINVAL' : r.stderr.trim() });
    },
  };
}

const VIP = { protocol: 'tcp' as const, address: '10.10.0.1', port: 80 };
const RS = ['10.20.1.2', '10.20.2.2'];
const CLIENT = '10.30.0.2';
const persistentWeb = (weights: number[], eqt: 0 | 1): DirectorConfigInput => ({
  globals: { sysctls: { expire_quiescent_template: eqt } },
  services: [{ ...VIP, scheduler: 'rr', persistence: { timeout: 300 }, realServers: RS.map((address, i) => ({ address, forwarding: 'masq', weight: weights[i] })) }],
});

async function converge(engine: Engine, input: DirectorConfigInput) {
  const desired = DirectorConfigSchema.parse(input);
  const r = await engine.apply(plan(desired, await engine.readConfig()));
  expect(r.ok).toBe(true);
  expect(plan(desired, await engine.readConfig())).toEqual([]);
}

/**
 * The scenario, on any engine: a client reaches its server, the server is quiesced, the client
 * comes back `n` times. Where did the returns go — the quiesced server ("same"), or elsewhere?
 */
async function quiescedPersistence(engine: Engine, eqt: 0 | 1, hit: () => Promise<string>, n = 3): Promise<{ first: string; returns: ('same' | 'moved')[] }> {
  await converge(engine, persistentWeb([1, 1], eqt));
  const first = await hit();
  await converge(
    engine,
    persistentWeb(
      RS.map((a) => (first.startsWith(a) ? 0 : 1)),
      eqt,
    ),
  );
  const returns: ('same' | 'moved')[] = [];
  for (let i = 0; i < n; i++) returns.push((await hit()) === first ? 'same' : 'moved');
  return { first, returns };
}

const EXPECTED = { 0: ['same', 'same', 'same'], 1: ['moved', 'moved', 'moved'] } as const;

describe('expire_quiescent_template in the simulator', () => {
  for (const eqt of [0, 1] as const) {
    it(`= ${eqt}: a quiesced server ${eqt ? 'loses' : 'keeps'} its persistent clients`, async () => {
      const sim = new SimEngine({ seed: 7 });
      const out = await quiescedPersistence(sim, eqt, async () => sim.request(VIP, CLIENT).dest ?? 'FAIL');
      expect(out.returns).toEqual(EXPECTED[eqt]);
    });
  }
});

describe.runIf(kernelAvailable)('the IPVS settings on the real kernel (QEMU guest)', () => {
  let guest: Guest;
  let engine: IpvsadmEngine;
  beforeAll(async () => {
    guest = await bootGuest('sysctls');
    Object.assign(process.env, guest.env);
    const t = await guest.exec(NAT_TOPOLOGY);
    if (!t.stdout.includes('ready')) throw new Error(`guest topology failed: ${t.stderr}`);
    engine = withSysctls(new IpvsadmEngine({ bin: SHIM, procNet: null }), guestSysctls(guest));
  }, 240_000);
  afterAll(async () => {
    await guest?.stop();
  });

  it('applies settings, reads them back, finds a hand-made change as drift, and NACKs what the kernel refuses', async () => {
    const desired = DirectorConfigSchema.parse({ globals: { sysctls: { expire_nodest_conn: 1, conn_reuse_mode: 0, sync_threshold: [4, 60] } } });
    const ops = plan(desired, await engine.readConfig());
    expect(ops.map((o) => o.op)).toEqual(['set-sysctl', 'set-sysctl', 'set-sysctl']);
    expect(await engine.apply(ops)).toEqual({ ok: true, applied: 3 });
    const live = await engine.readConfig();
    expect(live.globals.sysctls).toMatchObject({ expire_nodest_conn: 1, conn_reuse_mode: 0, sync_threshold: [4, 60] });
    expect(live.globals.sysctls).toMatchObject({ amemthresh: 1024, pmtu_disc: 1 }); // and every other setting the kernel lists
    expect((await guest.exec('cat /proc/sys/net/ipv4/vs/sync_threshold')).stdout.trim().replace(/\s+/g, ' ')).toBe('4 60');

    await guest.exec('echo 0 > /proc/sys/net/ipv4/vs/expire_nodest_conn'); // by hand
    expect(plan(desired, await engine.readConfig())).toEqual([{ op: 'set-sysctl', name: 'expire_nodest_conn', value: 1 }]);

    // what the model cannot foresee, the kernel refuses: sync_version 2 passes a write only through the op (the schema caps it at 1)
    const refused = await engine.apply([{ op: 'set-sysctl', name: 'sync_version', value: 2 }]);
    expect(refused).toMatchObject({ ok: false, applied: 0, message: 'sysctl: setting key "net.ipv4.vs.sync_version": Invalid argument', command: 'sysctl -w net.ipv4.vs.sync_version=2' });

    const defaults = DirectorConfigSchema.parse({ globals: { sysctls: { expire_nodest_conn: 0, conn_reuse_mode: 1, sync_threshold: [3, 50] } } });
    expect((await engine.apply(plan(defaults, await engine.readConfig()))).ok).toBe(true);
  }, 120_000);

  for (const eqt of [0, 1] as const) {
    it(`expire_quiescent_template = ${eqt}: a quiesced server ${eqt ? 'loses' : 'keeps'} its persistent clients, as the simulator says`, async () => {
      await guest.exec('ipvsadm -C');
      const hit = async () => {
        const r = await guest.exec('ip netns exec client timeout 5 wget -q -O - http://10.10.0.1/ 2>&1 || echo FAIL');
        const body = r.stdout.trim(); // "rs1" / "rs2"
        return body === 'rs1' ? `${RS[0]}:80` : body === 'rs2' ? `${RS[1]}:80` : `FAIL ${body}`;
      };
      const out = await quiescedPersistence(engine, eqt, hit);
      expect(out.first).not.toMatch(/FAIL/);
      expect(out.returns).toEqual(EXPECTED[eqt]);
      await guest.exec('ipvsadm -C; echo 0 > /proc/sys/net/ipv4/vs/expire_quiescent_template');
    }, 120_000);
  }
});

describe.runIf(!kernelAvailable && kernelRequired)('the IPVS settings on the real kernel, required', () => {
  it('has a kernel to test against (LVS_REQUIRE_KERNEL=1)', () => {
    throw new Error(`LVS_REQUIRE_KERNEL=1 but the sysctl conformance suite cannot run: ${kernelUnavailableReason()}`);
  });
});
