// The conformance scenarios on the netlink engine against the real kernel: Debian's 6.1 IPVS in a
// QEMU guest, the engine running INSIDE the guest (the host's node on a bundled driver, see
// netlink-guest.ts). The same SCENARIOS as sim.test.ts and kernel.test.ts (ipvsadm): same plans,
// same tables read back, same failed op and same ipvsadm message for every refusal. Plus the
// proof that a K-op change reads O(K): netlink requests counted, not the table's size.
// Skipped without qemu (fails with LVS_REQUIRE_KERNEL=1).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DirectorConfigSchema, type DirectorConfigInput, type ServiceKey } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { plan } from '@/lib/ipvs/plan';
import { SCENARIOS } from './scenarios';
import { expected, runScenario } from './run';
import { bootGuest, kernelAvailable, kernelRequired, kernelUnavailableReason, type Guest } from './kernel';
import { startNetlinkDriver, type GuestNetlinkEngine } from './netlink-guest';

/** n TCP services 10.1.x.y:80, each with two NAT real servers (CI keeps n at 100). */
function table(n: number, weight = 1): DirectorConfigInput {
  return {
    services: Array.from({ length: n }, (_, i) => ({
      protocol: 'tcp',
      address: `10.1.${i >> 8}.${i & 255}`,
      port: 80,
      scheduler: 'wrr',
      realServers: [1, 2].map((j) => ({ address: `10.2.${i >> 8}.${i & 255}`, port: 8080 + j, forwarding: 'masq', weight })),
    })),
  } as DirectorConfigInput;
}

describe.runIf(kernelAvailable)('conformance: netlink engine in the real kernel (QEMU guest)', () => {
  let guest: Guest;
  let engine: GuestNetlinkEngine;
  beforeAll(async () => {
    guest = await bootGuest('netlink', { hostRoot: true });
    engine = await startNetlinkDriver(guest);
  }, 900_000);
  afterAll(async () => {
    await engine?.close();
    await guest?.stop();
  });
  beforeEach(async () => {
    await guest.reset();
  });

  it('reports its facts: the IPVS family resolved, version and table size from GET_INFO', async () => {
    const f = await engine.facts();
    expect(f).toMatchObject({ engine: 'netlink', ipvsVersion: '1.2.1', ipvsadmVersion: null, connTableSize: 4096 });
  });

  for (const sc of SCENARIOS) {
    it(
      sc.name,
      async () => {
        await runScenario(engine, sc);
      },
      180_000,
    );
  }

  it('a K-op change reads O(K): the scoped read, apply and verify of K services cost 2 + 2K requests each way plus K ops, whatever N', async () => {
    const N = 100;
    const desired = expected(table(N));
    const load = plan(desired, await engine.readConfig());
    expect(await engine.apply(load)).toEqual({ ok: true, applied: load.length });
    const fullStart = engine.requests;
    expect(await engine.readConfig()).toEqual(desired);
    const fullRead = engine.requests - fullStart;
    expect(fullRead).toBeGreaterThanOrEqual(3 + N); // config, daemons, services + one destination dump per service

    for (const K of [1, 5]) {
      const touched: ServiceKey[] = desired.services.slice(0, K).map((s) => ({ protocol: 'tcp', address: (s as { address: string }).address, port: 80 }));
      const start = engine.requests;
      const before = await engine.readConfig({ services: touched });
      expect(before.services).toHaveLength(K);
      const ops: Op[] = before.services.map((s) => ({
        op: 'edit-server',
        service: { protocol: 'tcp', address: (s as { address: string }).address, port: 80 },
        server: { ...s.realServers[0]!, weight: 7 + K },
      }));
      expect(await engine.apply(ops, before)).toEqual({ ok: true, applied: K });
      const after = await engine.readConfig({ services: touched });
      expect(after.services.map((s) => s.realServers[0]!.weight)).toEqual(Array(K).fill(7 + K));
      expect(engine.requests - start, `requests for K=${K}`).toBe(2 * (2 + 2 * K) + K);
    }
  }, 600_000);

  it('one stats sample: every service and real server with counters, rates and connection counts', async () => {
    const desired = expected(table(20));
    expect(await engine.apply(plan(desired, await engine.readConfig()))).toMatchObject({ ok: true });
    const s = await engine.readStats();
    expect(s.services).toHaveLength(20);
    expect(s.services[0]).toMatchObject({ service: { protocol: 'tcp', address: '10.1.0.0', port: 80 }, counters: { conns: 0 } });
    expect(s.services.every((x) => x.realServers.length === 2 && x.realServers.every((r) => r.activeConns === 0))).toBe(true);
    expect(engine.statsRequests).toBeGreaterThanOrEqual(1 + 20); // its own socket: one service dump + the destination dumps
    expect(DirectorConfigSchema.parse(await engine.readConfig())).toEqual(desired);
  }, 300_000);
});

describe.runIf(!kernelAvailable && kernelRequired)('conformance: netlink engine, real kernel required', () => {
  it('has a kernel to test against (LVS_REQUIRE_KERNEL=1)', () => {
    throw new Error(`LVS_REQUIRE_KERNEL=1 but the netlink conformance suite cannot run: ${kernelUnavailableReason()}`);
  });
});
