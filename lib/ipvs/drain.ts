// Graceful removal of real servers ("drain"), level-triggered: a real server marked `drain` in the
// desired config is kept at weight 0 (quiesced: no new connections, existing ones keep flowing)
// while it still has connections and its deadline (revision time + drain.timeout) has not passed;
// then it is left out, so the planner deletes it. Every pass decides from the live numbers alone,
// so an agent restart resumes where it was.
import { type DirectorConfig, type RealServer, type VirtualService } from './model';
import { realServerKeyId, serviceKeyId } from './keys';
import type { StatsSnapshot } from './stats';
import type { DrainProgress } from '../protocol/messages';

export interface DrainResolution {
  /** the config to plan against: draining servers at weight 0, finished ones removed */
  config: DirectorConfig;
  drains: DrainProgress[];
}

/**
 * Connections that hold a drain: active + inactive. Persistence templates do not: they carry no
 * traffic, and a client whose template points at a removed server is simply scheduled again.
 * With `live` null (no stats), a drain holds until its deadline.
 */
export function resolveDrains(desired: DirectorConfig, live: StatsSnapshot | null, now: Date, revisionCreatedAt: Date): DrainResolution {
  const liveIdx = new Map<string, Map<string, { active: number; inact: number }>>();
  for (const s of live?.services ?? []) {
    const m = new Map<string, { active: number; inact: number }>();
    for (const r of s.realServers) m.set(realServerKeyId(r), { active: r.activeConns, inact: r.inactConns });
    liveIdx.set(serviceKeyId(s.service), m);
  }
  const drains: DrainProgress[] = [];
  let changed = false;
  const services = desired.services.map((s): VirtualService => {
    if (!s.realServers.some((r) => r.drain)) return s;
    changed = true;
    const sid = serviceKeyId(s);
    const liveServers = liveIdx.get(sid);
    const kept: RealServer[] = [];
    for (const r of s.realServers) {
      if (!r.drain) {
        kept.push(r);
        continue;
      }
      const deadline = new Date(revisionCreatedAt.getTime() + r.drain.timeout * 1000);
      const counts = live ? liveServers?.get(realServerKeyId(r)) : undefined;
      // gone from the live table (or never there): nothing left to drain
      const present = live === null || counts !== undefined;
      const conns = counts ? counts.active + counts.inact : 0;
      const holding = present && now < deadline && (live === null || conns > 0);
      drains.push({
        service: serviceKeyOfService(s),
        server: { address: r.address, port: r.port },
        activeConns: counts?.active ?? 0,
        inactConns: counts?.inact ?? 0,
        initialConns: conns,
        deadline: deadline.toISOString(),
        done: !holding,
      });
      if (holding) kept.push({ ...r, weight: 0 });
    }
    return { ...s, realServers: kept } as VirtualService;
  });
  return { config: changed ? { globals: desired.globals, services } : desired, drains };
}

function serviceKeyOfService(s: VirtualService): DrainProgress['service'] {
  return s.protocol === 'fwmark' ? { protocol: 'fwmark', fwmark: s.fwmark, family: s.family } : { protocol: s.protocol, address: s.address, port: s.port };
}
