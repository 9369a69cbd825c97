// The Review screen's preview and the agent must plan the same target: both go through
// lib/ipvs/target.ts directorTarget. This drives the real agent path (HealthMonitor verdicts ->
// Reconciler -> engine) and the console's path (the monitor's reported states -> planning.ts)
// over random configs and random failing servers, and demands the very same ipvsadm ops.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { configArb } from '@/lib/ipvs/__fixtures__/arbitraries';
import { configHash } from '@/lib/ipvs/hash';
import { plan } from '@/lib/ipvs/plan';
import type { Op } from '@/lib/ipvs/op';
import type { HealthState } from '@/lib/protocol/messages';
import { effectiveDesired } from '@/lib/server/planning';
import { SimEngine } from '@/agent/engines/sim';
import type { ApplyResult } from '@/agent/engines/engine';
import { HealthMonitor } from '@/agent/health/monitor';
import { Reconciler } from '@/agent/reconcile';
import { silentLogger } from '@/agent/log';

class RecordingSim extends SimEngine {
  applied: Op[][] = [];
  override async apply(ops: Op[]): Promise<ApplyResult> {
    this.applied.push(ops);
    return super.apply(ops);
  }
}

const now = new Date('2026-03-01T12:00:00Z');
// An hour old: every drain (timeout 60 s in the arbitraries) has reached its deadline, so the
// preview (which has no live connection counts) and the agent (which reads them) agree on drains.
const createdAt = new Date(now.getTime() - 3600_000);
const never = () => 1e9;

const input = configArb({ maxServices: 4, maxServers: 4, overlays: true }).chain((config) => {
  const checked = config.services.flatMap((s) => (s.healthCheck ? s.realServers.map((r) => ({ s, r })) : []));
  return fc.tuple(
    fc.constant(config),
    fc.array(fc.boolean(), { minLength: checked.length, maxLength: checked.length }).map((bad) => checked.filter((_, i) => bad[i])),
  );
});

describe('the preview plans what the agent runs', () => {
  it('same ops from the agent (monitor + reconciler) and from planning.ts, for any config and failing servers', async () => {
    await fc.assert(
      fc.asyncProperty(input, async ([config, failing]) => {
        const seed: HealthState[] = failing.map(({ s, r }) => ({
          service: { ...s },
          server: { address: r.address, port: r.port ?? 0 },
          healthy: false,
          reason: 'HTTP 503',
          since: createdAt.toISOString(),
          lastCheck: createdAt.toISOString(),
        }));
        const monitor = new HealthMonitor({ prober: { probe: async () => ({ ok: true, reason: 'ok' }) }, onTransition: () => {}, seed, firstProbeDelayMs: never, now: () => now });
        monitor.update(config);
        const sim = new RecordingSim({ seed: 1 });
        const empty = await sim.readConfig();
        const reconciler = new Reconciler({ engine: sim, store: null, report: () => {}, log: silentLogger, unhealthy: () => monitor.unhealthy(), now: () => now, retry: { baseMs: 1e9, maxMs: 1e9 } });
        try {
          reconciler.setDesired({ cluster: 'c', revision: 1, hash: configHash(config), createdAt: createdAt.toISOString(), driftPolicy: 'enforce', config });
          await reconciler.runPass();
          const preview = plan(effectiveDesired(config, createdAt, monitor.states(), now), empty);
          expect(sim.applied[0] ?? []).toEqual(preview);
        } finally {
          await reconciler.stop();
          monitor.stop();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the arbitraries do produce failing servers under both onFailure modes', () => {
    // guards the property above against passing vacuously
    const samples = fc.sample(input, 200);
    const modes = new Set(samples.flatMap(([, failing]) => failing.map(({ s }) => s.healthCheck!.onFailure)));
    expect(modes).toEqual(new Set(['quiesce', 'remove']));
    expect(samples.filter(([, failing]) => failing.length > 0).length).toBeGreaterThan(20);
  });
});
