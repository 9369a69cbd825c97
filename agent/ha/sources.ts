// Which HA sources `lvs-agent run` uses: the simulator's interfaces (and, in the demo, its
// simulated VRRP segment) for the in-process sim engine; `ip -j addr` for a real kernel; keepalived's
// notify directory when --vrrp-state names one. The sim-kernel engine (another process) has no
// interfaces the agent can see, nor has an ipvsadm that drives another kernel (--proc-net none):
// their addresses are not read.
import { clusterVips } from '@/lib/ipvs/ha';
import type { DirectorConfig } from '@/lib/ipvs/model';
import type { Engine } from '../engines/engine';
import { SimEngine } from '../engines/sim';
import { SimVrrpParticipant } from '../engines/sim/vrrp';
import { IpCommandAddressSource, type AddressSource } from './addresses';
import type { VrrpSource } from './reporter';
import { readVrrpStateDir } from './vrrp-notify';

export interface HaFlags {
  vrrpState?: string;
  ipBin?: string;
  simVrrp?: string;
  simVrrpId?: string;
  simVrrpPriority?: number;
  /** "none": the ipvsadm binary talks to another kernel (a VM shim, DPVS), whose interfaces are not ours */
  procNet?: string;
}

export interface HaSources {
  addresses: AddressSource | null;
  vrrp: VrrpSource | null;
  /** follow the reconciler's desired config: the simulated segment's master carries its VIPs, new ones at once */
  bind(reconciler: { readonly desiredConfig: DirectorConfig | null; onDesiredChange?: (config: DirectorConfig) => void }): void;
  stop(): void;
}

export function haSources(engine: Engine, flags: HaFlags, warn: (m: string) => void): HaSources {
  let desired: () => DirectorConfig | null = () => null;
  let addresses: AddressSource | null = null;
  let vrrp: VrrpSource | null = null;
  let participant: SimVrrpParticipant | null = null;
  if (engine instanceof SimEngine) {
    addresses = { describe: 'sim (simulated interfaces)', read: async () => engine.interfaceAddresses() };
    if (flags.simVrrp) {
      if (!flags.simVrrpId) throw new Error('--sim-vrrp needs --sim-vrrp-id (this director on the simulated segment)');
      participant = new SimVrrpParticipant({
        dir: flags.simVrrp,
        id: flags.simVrrpId,
        priority: flags.simVrrpPriority ?? 100,
        sim: engine,
        vips: () => {
          const d = desired();
          return d ? clusterVips(d) : [];
        },
      });
      vrrp = participant;
    }
  } else if (engine.kind !== 'sim' && flags.procNet !== 'none') {
    addresses = new IpCommandAddressSource(flags.ipBin ?? 'ip');
  }
  if (flags.vrrpState) {
    const dir = flags.vrrpState;
    vrrp = {
      read: async () => {
        const { instances, errors } = readVrrpStateDir(dir);
        for (const e of errors) warn(`--vrrp-state ${dir}: ${e}`);
        return instances;
      },
    };
  }
  return {
    addresses,
    vrrp,
    bind(reconciler) {
      desired = () => reconciler.desiredConfig;
      if (!participant) return;
      const p = participant;
      const follow = reconciler.onDesiredChange;
      reconciler.onDesiredChange = (cfg) => {
        follow?.(cfg);
        p.tick(); // a VIP added to the config is on the master's interface now, not at the next advert
      };
      p.start();
    },
    stop() {
      participant?.stop();
    },
  };
}
