// Engine selection for the CLI: the real kernel through ipvsadm, the simulator in-process, or the
// simulator's kernel in its own process (--sim-kernel) so it outlives agent restarts.
import type { Engine } from './engine';
import { IpvsadmEngine } from './ipvsadm';
import { RemoteSimEngine } from './remote-sim';

export type EngineKind = 'ipvsadm' | 'sim';
export type SimTraffic = 'demo' | 'none';

export interface EngineChoice {
  engine: EngineKind;
  ipvsadm?: string;
  simTraffic?: SimTraffic;
  simKernel?: string;
  seed?: number;
  /** /proc/net, or null to never read /proc (the ipvsadm binary talks to another kernel) */
  procNet?: string | null;
}

export interface CreatedEngine {
  engine: Engine;
  /** The health-check target in sim mode; null for the real kernel (probes go over the network). */
  probeBackend: ((address: string, port: number) => Promise<{ ok: boolean; reason: string }> | { ok: boolean; reason: string }) | null;
  close(): Promise<void>;
}

export async function createEngine(c: EngineChoice): Promise<CreatedEngine> {
  if (c.engine === 'ipvsadm') {
    const engine = new IpvsadmEngine({ bin: c.ipvsadm, procNet: c.procNet });
    return { engine, probeBackend: null, close: async () => {} };
  }
  if (c.simKernel) {
    const engine = new RemoteSimEngine(c.simKernel);
    return { engine, probeBackend: (a, p) => engine.probeBackend(a, p), close: () => engine.close() };
  }
  const sim = await createLocalSim(c.simTraffic ?? 'none', c.seed);
  return { engine: sim, probeBackend: (a, p) => sim.probeBackend(a, p), close: async () => { await sim.close?.(); } };
}

/** A SimEngine running on the wall clock, with the demo traffic profile or none. */
export async function createLocalSim(traffic: SimTraffic, seed?: number) {
  const { SimEngine } = await import('./sim');
  const sim = new SimEngine({ seed, traffic });
  sim.start();
  return sim;
}
