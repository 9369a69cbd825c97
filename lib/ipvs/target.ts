// What a director must run: the revision's config with the control plane's intents applied —
// drains resolved (drain.ts), then the health checks' verdicts overlaid. The agent plans against
// this (agent/reconcile.ts) and the Review screen previews it (lib/server/planning.ts); both call
// this one function, so the preview cannot drift from what runs. Pure; the revision is never
// rewritten.
import type { DirectorConfig, VirtualService } from './model';
import { serverKeyId } from './keys';
import { resolveDrains } from './drain';
import type { StatsSnapshot } from './stats';
import type { DrainProgress, HealthState } from '../protocol/messages';

export interface TargetInputs {
  /** Server ids (keys.ts serverKeyId) that their health checks judge failing. */
  unhealthy: ReadonlySet<string>;
  /** What drains decide from: live connection counts (null: unknown, a drain holds until its deadline), the time, and when the revision was made. */
  drains: { live: StatsSnapshot | null; now: Date; revisionCreatedAt: Date };
}

export interface DirectorTarget {
  /** the config to plan against */
  config: DirectorConfig;
  /** every drain's progress, for the drain report */
  drains: DrainProgress[];
}

/** The config a director must run for a revision, given its health verdicts and drain state. */
export function directorTarget(revision: DirectorConfig, inputs: TargetInputs): DirectorTarget {
  const { live, now, revisionCreatedAt } = inputs.drains;
  const resolved = resolveDrains(revision, live, now, revisionCreatedAt);
  return { config: overlayHealth(resolved.config, inputs.unhealthy), drains: resolved.drains };
}

/** The failing servers among reported health states, as the ids directorTarget takes. */
export function unhealthyServerIds(states: readonly HealthState[]): Set<string> {
  return new Set(states.filter((h) => !h.healthy).map((h) => serverKeyId(h.service, h.server)));
}

/** Unhealthy servers are quiesced (weight 0, their connections drain) or removed, as each service's healthCheck.onFailure says. */
function overlayHealth(config: DirectorConfig, unhealthy: ReadonlySet<string>): DirectorConfig {
  if (unhealthy.size === 0) return config;
  return {
    globals: config.globals,
    services: config.services.map((svc): VirtualService => {
      const hc = svc.healthCheck;
      if (!hc) return svc;
      const failing = (rs: { address: string; port?: number }) => unhealthy.has(serverKeyId(svc, rs));
      const realServers = hc.onFailure === 'remove' ? svc.realServers.filter((rs) => !failing(rs)) : svc.realServers.map((rs) => (failing(rs) ? { ...rs, weight: 0 } : rs));
      return { ...svc, realServers } as VirtualService;
    }),
  };
}
