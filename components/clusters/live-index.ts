// Director reports indexed by service and real server, so a table row finds its health checks
// and drain progress in O(1). With several directors, the worst state wins (one director seeing
// a server down is what an admin needs to know).
import { type RealServer, type VirtualService } from '@/lib/ipvs/model';
import { serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { DirectorStatus } from '@/lib/api/schemas';
import type { DrainProgress, HealthState } from '@/lib/protocol/messages';

export type RsReports = { health?: HealthState; healthBy: { director: string; health: HealthState }[]; drain?: DrainProgress };

export const rsRef = (svcKey: string, rs: { address: string; port?: number }) => serverKeyId(svcKey, { address: rs.address, port: rs.port ?? 0 });

export function indexReports(directors: DirectorStatus[]): Map<string, RsReports> {
  const m = new Map<string, RsReports>();
  const get = (k: string) => {
    let e = m.get(k);
    if (!e) m.set(k, (e = { healthBy: [] }));
    return e;
  };
  for (const d of directors) {
    if (d.revoked) continue;
    for (const h of d.health) {
      const e = get(rsRef(serviceKeyId(h.service), h.server));
      e.healthBy.push({ director: d.name, health: h });
      // worst first: an unhealthy report beats a healthy one; among equals the newest check
      if (!e.health || (e.health.healthy && !h.healthy) || (e.health.healthy === h.healthy && h.lastCheck > e.health.lastCheck)) e.health = h;
    }
    for (const dr of d.drains) {
      const e = get(rsRef(serviceKeyId(dr.service), dr.server));
      // the director with the most connections left is the one the drain waits for
      const left = (x: DrainProgress) => (x.done ? -1 : x.activeConns + x.inactConns);
      if (!e.drain || left(dr) > left(e.drain)) e.drain = dr;
    }
  }
  return m;
}

export type RsState = 'up' | 'down' | 'quiesced' | 'draining' | 'drained';

/** One word for a real server: what an admin asks first ("is it taking traffic?"). */
export function realServerState(rs: RealServer, r: RsReports | undefined): RsState {
  if (rs.drain) return r?.drain?.done ? 'drained' : 'draining';
  if (r?.health && !r.health.healthy) return 'down';
  if (rs.weight === 0) return 'quiesced';
  return 'up';
}

/** "up/total" for a service: servers taking new connections over all servers. */
export function upCount(s: VirtualService, reports: Map<string, RsReports>): { up: number; total: number; problems: number } {
  const key = serviceKeyId(s);
  let up = 0;
  let problems = 0;
  for (const rs of s.realServers as RealServer[]) {
    const st = realServerState(rs, reports.get(rsRef(key, rs)));
    if (st === 'up') up++;
    if (st === 'down') problems++;
  }
  return { up, total: s.realServers.length, problems };
}
