// The depool guard through the agent: a health-check storm (every backend failing) on the
// simulator, the agent's HealthMonitor verdicts -> Reconciler -> the simulated kernel. The service
// keeps its minimum in service, traffic still reaches it, and the Review preview (planning.ts)
// computes the same target, since both go through directorTarget.
import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import { configHash } from '@/lib/ipvs/hash';
import { plan } from '@/lib/ipvs/plan';
import type { HealthState } from '@/lib/protocol/messages';
import { effectiveDesired } from '@/lib/server/planning';
import { SimEngine } from '@/agent/engines/sim';
import { HealthMonitor } from '@/agent/health/monitor';
import { Reconciler } from '@/agent/reconcile';
import { silentLogger } from '@/agent/log';

const now = new Date('2026-03-01T12:00:00Z');
const service = { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
const servers = ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5'];

async function storm(guard: object | undefined) {
  const config = DirectorConfigSchema.parse({
    services: [
      {
        ...service,
        scheduler: 'rr',
        healthCheck: { type: 'tcp', interval: 1, fall: 1, onFailure: 'remove' },
        ...(guard ? { quorum: { guard } } : {}),
        realServers: servers.map((address) => ({ address, weight: 2 })),
      },
    ],
  });
  const sim = new SimEngine({ seed: 3 });
  for (const a of servers) sim.setBackendHealth(a, 80, false, 'connect ECONNREFUSED');
  // the monitor's verdicts, as a storm leaves them: every server failing
  const seed: HealthState[] = servers.map((address) => ({
    service,
    server: { address, port: 80 },
    healthy: false,
    reason: 'connect ECONNREFUSED',
    since: now.toISOString(),
    lastCheck: now.toISOString(),
  }));
  const monitor = new HealthMonitor({ prober: { probe: async (t) => sim.probeBackend(t.address, t.port) }, onTransition: () => {}, seed, firstProbeDelayMs: () => 1e9, now: () => now });
  monitor.update(config);
  const reconciler = new Reconciler({ engine: sim, store: null, report: () => {}, log: silentLogger, unhealthy: () => monitor.unhealthy(), now: () => now, retry: { baseMs: 1e9, maxMs: 1e9 } });
  try {
    reconciler.setDesired({ cluster: 'c', revision: 1, hash: configHash(config), createdAt: now.toISOString(), driftPolicy: 'enforce', config });
    await reconciler.runPass();
    const live = await sim.readConfig();
    const preview = effectiveDesired(config, now, monitor.states(), now);
    return { inService: live.services[0]?.realServers.filter((r) => r.weight > 0).map((r) => r.address) ?? [], leftToDo: plan(preview, live), sim };
  } finally {
    await reconciler.stop();
    monitor.stop();
  }
}

describe('the depool guard under a health-check storm (simulator, through the agent)', () => {
  it('without a guard every failing server is removed; with one the service keeps its minimum', async () => {
    expect((await storm(undefined)).inService).toEqual([]);
    const kept = await storm({ servers: 2 });
    expect(kept.inService).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(kept.leftToDo).toEqual([]); // the agent ran exactly what the Review preview shows
    const byFraction = await storm({ fraction: 0.5 });
    expect(byFraction.inService).toHaveLength(3);
    const byWeight = await storm({ weight: 6 });
    expect(byWeight.inService).toHaveLength(3);
  });
});
