// Conformance scenarios against the real kernel: Debian's 6.1 IPVS and ipvsadm 1.31 in a QEMU
// guest, driven by the agent's own ipvsadm engine through scripts/ipvsadm-vm-shim.mjs. Without
// qemu or ../shared/ipvs-vm this file is skipped, unless LVS_REQUIRE_KERNEL=1 (CI): then it fails.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { IpvsadmEngine } from '@/agent/engines/ipvsadm';
import { SCENARIOS } from './scenarios';
import { runScenario } from './run';
import { bootGuest, kernelAvailable, kernelRequired, kernelUnavailableReason, SHIM, type Guest } from './kernel';

describe.runIf(kernelAvailable)('conformance: real kernel (QEMU guest)', () => {
  let guest: Guest;
  let engine: IpvsadmEngine;
  beforeAll(async () => {
    guest = await bootGuest('conformance');
    Object.assign(process.env, guest.env); // the shim finds this guest through IPVSVM_RUN
    engine = new IpvsadmEngine({ bin: SHIM, procNet: null });
  }, 180_000);
  afterAll(async () => {
    await guest?.stop();
  });
  beforeEach(async () => {
    await guest.reset();
  });
  for (const sc of SCENARIOS) {
    it(
      sc.name,
      async () => {
        await runScenario(engine, sc);
      },
      120_000,
    );
  }
});

describe.runIf(!kernelAvailable && kernelRequired)('conformance: real kernel required', () => {
  it('has a kernel to test against (LVS_REQUIRE_KERNEL=1)', () => {
    throw new Error(`LVS_REQUIRE_KERNEL=1 but the real-kernel conformance suite cannot run: ${kernelUnavailableReason()}`);
  });
});
