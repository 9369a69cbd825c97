// The health overlay: what the kernel gets instead of the desired config while servers are
// unhealthy. Pure; the desired config itself is never rewritten.
import type { DirectorConfig } from '@/lib/ipvs/model';
import { serviceKeyOf } from '@/lib/ipvs/model';
import { healthKey } from './monitor';

/** Unhealthy servers are quiesced (weight 0, their connections drain) or removed, as each service's healthCheck.onFailure says. */
export function applyHealthOverlay(config: DirectorConfig, unhealthy: ReadonlySet<string>): DirectorConfig {
  if (unhealthy.size === 0) return config;
  return {
    globals: config.globals,
    services: config.services.map((svc) => {
      const hc = svc.healthCheck;
      if (!hc) return svc;
      const key = serviceKeyOf(svc);
      const bad = (rs: { address: string; port?: number }) => unhealthy.has(healthKey(key, rs));
      if (hc.onFailure === 'remove') return { ...svc, realServers: svc.realServers.filter((rs) => !bad(rs)) as typeof svc.realServers };
      return { ...svc, realServers: svc.realServers.map((rs) => (bad(rs) ? { ...rs, weight: 0 } : rs)) as typeof svc.realServers };
    }),
  };
}
