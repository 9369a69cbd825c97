// Runs the scenario list against one engine with vitest's expect.
import { expect } from 'vitest';
import { DirectorConfigSchema, DEFAULT_TIMEOUTS, type DirectorConfig, type DirectorConfigInput } from '@/lib/ipvs/model';
import { opToCommandLine } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import type { Engine } from '@/agent/engines/engine';
import type { Scenario } from './scenarios';

/** The table a freshly reset director shows for this config (timeouts: the kernel defaults unless set). */
export function expected(input: DirectorConfigInput): DirectorConfig {
  const c = DirectorConfigSchema.parse(input);
  return { ...c, globals: { ...c.globals, timeouts: c.globals.timeouts ?? { ...DEFAULT_TIMEOUTS } } };
}

/**
 * The live table as far as the scenario states it: a kernel lists every IPVS setting, a scenario
 * names only those it sets (the others are whatever the kernel has, and engines without
 * /proc access list none).
 */
export function asStated(live: DirectorConfig, stated: DirectorConfig): DirectorConfig {
  const { sysctls, ...globals } = live.globals;
  const want = stated.globals.sysctls;
  if (!want) return { ...live, globals };
  return { ...live, globals: { ...globals, sysctls: Object.fromEntries(Object.keys(want).map((k) => [k, sysctls?.[k as keyof typeof sysctls]])) } };
}

export async function runScenario(engine: Engine, sc: Scenario): Promise<void> {
  for (const [i, step] of sc.steps.entries()) {
    const where = `${sc.name}, step ${i + 1}`;
    if ('converge' in step) {
      const desired = expected(step.converge);
      const ops = plan(desired, await engine.readConfig());
      if (step.commands) expect(ops.map(opToCommandLine), `${where}: the plan`).toEqual(step.commands);
      const r = await engine.apply(ops);
      expect(r, `${where}: apply`).toEqual({ ok: true, applied: ops.length });
      const live = await engine.readConfig();
      expect(asStated(live, desired), `${where}: the table read back`).toEqual(desired);
      expect(plan(desired, live), `${where}: nothing left to do`).toEqual([]);
    } else {
      const r = await engine.apply(step.apply);
      if (step.fails) {
        expect(r.ok, `${where}: apply should fail`).toBe(false);
        if (!r.ok) {
          expect({ applied: r.applied, failedOp: r.failedOp, message: r.message }, `${where}: the failure`).toEqual({
            applied: step.fails.at,
            failedOp: step.apply[step.fails.at],
            message: step.fails.message,
          });
          expect(r.command).toBe(opToCommandLine(step.apply[step.fails.at]!));
          // what ipvsadm would exit with for that op alone: 2 for its own argument checks, 255 for the kernel's refusals
          expect(r.exitCode, `${where}: exit status`).toBe(step.fails.exitCode ?? 255);
        }
      } else {
        expect(r, `${where}: apply`).toEqual({ ok: true, applied: step.apply.length });
      }
      const want = expected(step.expect);
      expect(asStated(await engine.readConfig(), want), `${where}: the table afterwards`).toEqual(want);
    }
  }
}
