// Engine selection for the CLI: the real kernel through IPVS generic netlink or through ipvsadm,
// 'auto' (netlink when the kernel's IPVS family resolves, else ipvsadm), the simulator in-process,
// or the simulator's kernel in its own process (--sim-kernel) so it outlives agent restarts.
import type { Engine } from './engine';
import { IpvsadmEngine } from './ipvsadm';
import { NetlinkEngine } from './netlink/engine';
import { RemoteSimEngine } from './remote-sim';
import { PROC_SYSCTL_ROOT, procSysctlIo, withSysctls } from './sysctl-io';

export type EngineKind = 'ipvsadm' | 'sim' | 'netlink' | 'auto';
export type SimTraffic = 'demo' | 'none';

export interface EngineChoice {
  engine: EngineKind;
  ipvsadm?: string;
  simTraffic?: SimTraffic;
  simKernel?: string;
  seed?: number;
  /** /proc/net, or null to never read /proc (the ipvsadm binary talks to another kernel) */
  procNet?: string | null;
  /** where the kernel's IPVS settings are read and written (default /proc/sys/net/ipv4/vs, unless procNet is null: another kernel); null: not at all */
  sysctlRoot?: string | null;
  /** Told which engine 'auto' chose and why (the CLI logs it). */
  log?: (line: string) => void;
}

export interface CreatedEngine {
  engine: Engine;
  /** The health-check target in sim mode; null for the real kernel (probes go over the network). */
  probeBackend: ((address: string, port: number) => Promise<{ ok: boolean; reason: string }> | { ok: boolean; reason: string }) | null;
  close(): Promise<void>;
  /** How the engine was chosen ("auto: netlink (…)"); also in the engine's facts as engineChoice. */
  choice: string;
}

export async function createEngine(c: EngineChoice): Promise<CreatedEngine> {
  if (c.engine === 'auto') {
    const picked = await pickKernelEngine(c);
    c.log?.(picked.choice);
    return picked;
  }
  if (c.engine === 'netlink') return kernelEngine(c, new NetlinkEngine({ procNet: c.procNet ?? undefined }), 'netlink (--engine netlink)');
  if (c.engine === 'ipvsadm') return kernelEngine(c, new IpvsadmEngine({ bin: c.ipvsadm, procNet: c.procNet }), 'ipvsadm (--engine ipvsadm)');
  if (c.simKernel) {
    const engine = new RemoteSimEngine(c.simKernel);
    return { engine, probeBackend: (a, p) => engine.probeBackend(a, p), close: () => engine.close(), choice: 'sim (--sim-kernel)' };
  }
  const sim = await createLocalSim(c.simTraffic ?? 'none', c.seed);
  return {
    engine: sim,
    probeBackend: (a, p) => sim.probeBackend(a, p),
    close: async () => {
      await sim.close?.();
    },
    choice: 'sim',
  };
}

/**
 * 'auto': netlink when the kernel's IPVS generic netlink family resolves (no ipvsadm process per
 * read), else ipvsadm, which then reports its own clear error if IPVS is missing altogether.
 * A custom --ipvsadm binary (DPVS, a VM shim) talks to another IPVS: it always means ipvsadm.
 */
async function pickKernelEngine(c: EngineChoice): Promise<CreatedEngine> {
  if (c.ipvsadm && c.ipvsadm !== 'ipvsadm') {
    return kernelEngine(c, new IpvsadmEngine({ bin: c.ipvsadm, procNet: c.procNet }), `auto: ipvsadm (a custom binary was given: ${c.ipvsadm})`);
  }
  const nl = new NetlinkEngine({ procNet: c.procNet ?? undefined });
  try {
    const family = await nl.resolveFamily();
    return kernelEngine(c, nl, `auto: netlink (the IPVS generic netlink family resolved, id ${family})`);
  } catch (e) {
    await nl.close();
    const why = e instanceof Error ? e.message : String(e);
    return kernelEngine(c, new IpvsadmEngine({ bin: c.ipvsadm, procNet: c.procNet }), `auto: ipvsadm (netlink unavailable: ${why})`);
  }
}

/** A kernel engine with the IPVS settings of /proc, whose facts say how it was chosen (the console shows it with the director). */
function kernelEngine(c: EngineChoice, kernel: Engine, choice: string): CreatedEngine {
  const root = c.sysctlRoot === undefined ? (c.procNet === null ? null : PROC_SYSCTL_ROOT) : c.sysctlRoot;
  const engine = root === null ? kernel : withSysctls(kernel, procSysctlIo(root));
  const facts = engine.facts.bind(engine);
  engine.facts = async () => ({ ...(await facts()), engineChoice: choice });
  return {
    engine,
    probeBackend: null,
    close: async () => {
      await engine.close?.();
    },
    choice,
  };
}

/** A SimEngine running on the wall clock, with the demo traffic profile or none. */
export async function createLocalSim(traffic: SimTraffic, seed?: number) {
  const { SimEngine } = await import('./sim');
  const sim = new SimEngine({ seed, traffic });
  sim.start();
  return sim;
}
