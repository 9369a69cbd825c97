// What a director must run: the revision's config with the control plane's intents applied —
// drains resolved (drain.ts), then the health checks' verdicts overlaid. The agent plans against
// this (agent/reconcile.ts) and the Review screen previews it (lib/server/planning.ts); both call
// this one function, so the preview cannot drift from what runs. Pure; the revision is never
// rewritten.
import { compareRealServers, serviceKeyOf, type DepoolGuard, type DirectorConfig, type RealServerKey, type ServiceKey, type VirtualService } from './model';
import { realServerKeyId, serverKeyId, serviceKeyId } from './keys';
import { resolveDrains } from './drain';
import type { StatsSnapshot } from './stats';
import type { DrainProgress, HealthState } from '../protocol/messages';

export interface TargetInputs {
  /** Server ids (keys.ts serverKeyId) that their health checks judge failing. */
  unhealthy: ReadonlySet<string>;
  /** What drains decide from: live connection counts (null: unknown, a drain holds until its deadline), the time, and when the revision was made. */
  drains: { live: StatsSnapshot | null; now: Date; revisionCreatedAt: Date };
  /** Weights set by MISC_CHECK misc_dynamic scripts, by server id (keys.ts serverKeyId). */
  dynamicWeights?: ReadonlyMap<string, number>;
  /** Services (keys.ts serviceKeyId) whose quorum was lost at the last evaluation: hysteresis needs the previous state. */
  quorumLost?: ReadonlySet<string>;
}

export interface DirectorTarget {
  /** the config to plan against */
  config: DirectorConfig;
  /** every drain's progress, for the drain report */
  drains: DrainProgress[];
  /** services whose quorum is lost now (their sorry server, if any, takes the traffic); feed back as inputs.quorumLost */
  quorumLost: Set<string>;
  /** failing servers the depool guard keeps in service (quorum.guard), so the service keeps its minimum */
  guarded: GuardedServer[];
}

/** A failing real server left in service by its service's depool guard. */
export interface GuardedServer {
  service: ServiceKey;
  server: RealServerKey;
}

/** The config a director must run for a revision, given its health verdicts and drain state. */
export function directorTarget(revision: DirectorConfig, inputs: TargetInputs): DirectorTarget {
  const { live, now, revisionCreatedAt } = inputs.drains;
  const resolved = resolveDrains(revision, live, now, revisionCreatedAt);
  const quorumLost = new Set<string>();
  const guarded: GuardedServer[] = [];
  const config = overlayHealth(resolved.config, inputs.unhealthy, inputs.quorumLost ?? new Set(), quorumLost, inputs.dynamicWeights ?? new Map(), guarded);
  return { config, drains: resolved.drains, quorumLost, guarded };
}

/** The failing servers among reported health states, as the ids directorTarget takes. */
export function unhealthyServerIds(states: readonly HealthState[]): Set<string> {
  return new Set(states.filter((h) => !h.healthy).map((h) => serverKeyId(h.service, h.server)));
}

/**
 * keepalived's checker semantics, per real server: a failing server is quiesced (weight 0, its
 * connections drain) or removed, as its own check (else the service's) says in onFailure. Then
 * the quorum: while the healthy servers' weights sum to less than quorum.minWeight (default 1:
 * no healthy server), the sorry server takes the traffic; hysteresis widens that edge both ways
 * (lost below minWeight - hysteresis, back at minWeight + hysteresis, unchanged in between).
 * Before any of that, the depool guard (quorum.guard) keeps enough failing servers in service.
 */
function overlayHealth(
  config: DirectorConfig,
  unhealthy: ReadonlySet<string>,
  wasLost: ReadonlySet<string>,
  lostNow: Set<string>,
  weights: ReadonlyMap<string, number>,
  guarded: GuardedServer[],
): DirectorConfig {
  const touched = unhealthy.size > 0 || weights.size > 0 || config.services.some((s) => s.sorryServer);
  if (!touched) return config;
  return {
    globals: config.globals,
    services: config.services.map((svc): VirtualService => {
      const failing = (rs: { address: string; port?: number; healthCheck?: VirtualService['healthCheck'] }) => (rs.healthCheck ?? svc.healthCheck) !== undefined && unhealthy.has(serverKeyId(svc, rs));
      // misc_dynamic: a healthy server's weight is what its script said (a draining server stays at 0)
      const weighted = <R extends { address: string; port?: number; weight: number; drain?: unknown; healthCheck?: VirtualService['healthCheck'] }>(rs: R): R => {
        const w = (rs.healthCheck ?? svc.healthCheck)?.dynamicWeight ? weights.get(serverKeyId(svc, rs)) : undefined;
        return w === undefined || rs.drain ? rs : { ...rs, weight: w };
      };
      const kept = svc.quorum?.guard ? keptByGuard(svc, svc.quorum.guard, failing) : null;
      if (kept) for (const rs of kept) guarded.push({ service: serviceKeyOf(svc), server: { address: rs.address, port: rs.port } });
      const keptIds = new Set(kept?.map(realServerKeyId));
      const realServers = svc.realServers.flatMap((rs) => {
        if (!failing(rs) || keptIds.has(realServerKeyId(rs))) return [weighted(rs)];
        return (rs.healthCheck ?? svc.healthCheck)!.onFailure === 'remove' ? [] : [{ ...rs, weight: 0 }];
      });
      const sorry = svc.sorryServer;
      if (!sorry) return realServers.length !== svc.realServers.length || realServers.some((r, i) => r !== svc.realServers[i]) ? ({ ...svc, realServers } as VirtualService) : svc;
      const id = serviceKeyId(svc);
      const healthyWeight = realServers.reduce((sum, rs) => (failing(rs) ? sum : sum + rs.weight), 0);
      const { minWeight, hysteresis } = svc.quorum ?? { minWeight: 1, hysteresis: 0 };
      const lost = wasLost.has(id) ? healthyWeight < minWeight + hysteresis : healthyWeight < minWeight - hysteresis;
      if (lost) lostNow.add(id);
      const { inhibit: _i, weight, ...addr } = sorry;
      const sorryServer = { ...addr, weight: lost ? weight : 0, upperThreshold: 0, lowerThreshold: 0 };
      return { ...svc, realServers: lost || sorry.inhibit ? [...realServers, sorryServer].sort(compareRealServers) : realServers } as VirtualService;
    }),
  };
}

/**
 * The depool guard: the failing servers that must stay in service so the service keeps its
 * minimum (servers, a fraction of them, or a total weight). Servers being drained or at weight 0
 * by configuration are out anyway and do not count. Failing servers are kept in the revision's
 * (canonical) order, so every director and the preview keep the same ones.
 */
function keptByGuard<R extends { address: string; port: number; weight: number; drain?: unknown }>(svc: { realServers: R[] }, guard: DepoolGuard, failing: (rs: R) => boolean): R[] {
  const eligible = svc.realServers.filter((rs) => !rs.drain && rs.weight > 0);
  const measure = (rs: R) => (guard.weight !== undefined ? rs.weight : 1);
  const need = guard.weight ?? guard.servers ?? Math.ceil((guard.fraction ?? 0) * eligible.length - 1e-9);
  let have = eligible.reduce((sum, rs) => (failing(rs) ? sum : sum + measure(rs)), 0);
  const kept: R[] = [];
  for (const rs of eligible) {
    if (have >= need) break;
    if (!failing(rs)) continue;
    kept.push(rs);
    have += measure(rs);
  }
  return kept;
}
