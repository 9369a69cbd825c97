'use client';
// "Kept in by the guard": the failing real servers the service's depool guard (quorum.guard) keeps
// in service on each director, with the checks that fail. Computed by the same directorTarget the
// agents run, from each director's reported health, so the page shows what the directors do.
import { useMemo } from 'react';
import { formatHostPort } from '@/lib/ipvs/addr';
import { serverKeyId } from '@/lib/ipvs/keys';
import type { DirectorConfig, VirtualService } from '@/lib/ipvs/model';
import { directorTarget, unhealthyServerIds } from '@/lib/ipvs/target';
import type { HealthState } from '@/lib/protocol/messages';

type DirectorHealth = { name: string; revoked?: boolean; health: HealthState[] };

/** Per director, the servers its guard keeps in and why they fail. */
export function guardedByDirector(service: VirtualService, directors: readonly DirectorHealth[], now = new Date()) {
  if (!service.quorum?.guard) return [];
  const config = { globals: { timeouts: null, syncDaemons: [] }, services: [service] } as DirectorConfig;
  return directors.flatMap((d) => {
    if (d.revoked) return [];
    const { guarded } = directorTarget(config, { unhealthy: unhealthyServerIds(d.health), drains: { live: null, now, revisionCreatedAt: now } });
    const reasons = new Map(d.health.map((h) => [serverKeyId(h.service, h.server), h.reason]));
    return guarded.map((g) => ({ director: d.name, server: g.server, reason: reasons.get(serverKeyId(g.service, g.server)) ?? 'failing' }));
  });
}

export function GuardedServers({ service, directors }: { service: VirtualService; directors: readonly DirectorHealth[] }) {
  const rows = useMemo(() => guardedByDirector(service, directors), [service, directors]);
  const g = service.quorum?.guard;
  if (!g || rows.length === 0) return null;
  const min = g.servers !== undefined ? `${g.servers} server${g.servers === 1 ? '' : 's'}` : g.fraction !== undefined ? `${Math.round(g.fraction * 100)} % of the servers` : `weight ${g.weight}`;
  return (
    <section className="card" aria-label="Kept in by the guard" data-testid="guarded-servers">
      <h3 style={{ marginBottom: 8 }}>Kept in by the guard</h3>
      <p className="small muted" style={{ marginTop: 0 }}>
        These servers fail their checks, but the depool guard keeps the service at its minimum of {min}: they stay in service until enough others are healthy.
      </p>
      <table className="data">
        <thead>
          <tr>
            <th>Real server</th>
            <th>Director</th>
            <th>Failing check</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.director}|${r.server.address}|${r.server.port}`}>
              <td>
                <code>{formatHostPort(r.server.address, r.server.port)}</code>
              </td>
              <td>{r.director}</td>
              <td className="bad-text">{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
