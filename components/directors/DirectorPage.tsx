'use client';
// One director: versions and kernel facts, applied vs desired, the last NACK with ipvsadm's
// message, drift with "re-apply desired" / "adopt actual", health checks, drains, what it would
// run now, and its live table as rules text.
import Link from 'next/link';
import { printRules } from '@/lib/ipvs/rules';
import { useDirector } from '../data/queries';
import { ago } from '../format';
import { href } from '../links';
import { Can } from '../session';
import { ErrorState, Loading } from '../ui/states';
import { DirectorStateBadge, directorStateHelp } from './DirectorState';
import { RevokeButton } from './DirectorsPage';
import { useDirectorStatus } from '../live/director-status';
import { DriftCard, ReapplyButton, RotateButton } from './DirectorActions';
import { Facts, HealthAndDrains, LastError, PlanNow, Revisions } from './DirectorCards';

export function DirectorPage({ cluster, director }: { cluster: string; director: string }) {
  const q = useDirector(cluster, director);
  const status = useDirectorStatus(cluster, director);
  if (q.isPending) return <Loading rows={8} />;
  if (q.isError) return <ErrorState error={q.error} title={`Director ${director}`} retry={() => q.refetch()} />;
  // the status fields as every badge shows them; the live table from the detail
  const d = status ? { ...q.data, ...status } : q.data;
  return (
    <div className="stack" style={{ gap: 16 }}>
      <div className="row">
        <h2 className="mono" data-testid="director-title">
          {d.name}
        </h2>
        <DirectorStateBadge d={d} />
        <span className="small muted grow">{directorStateHelp(d.state)}</span>
        <Link href={href.connections(cluster, d.name)} className="btn">
          Connections
        </Link>
        <Can role="operator">
          <ReapplyButton cluster={cluster} name={d.name} />
          <RotateButton cluster={cluster} name={d.name} disabled={d.revoked} />
          <RevokeButton cluster={cluster} d={d} />
        </Can>
      </div>
      <div className="grid2">
        <Facts d={d} />
        <Revisions d={d} />
      </div>
      {d.lastError ? <LastError d={d} /> : null}
      {d.drift ? <DriftCard cluster={cluster} d={d} /> : null}
      <PlanNow cluster={cluster} name={d.name} />
      <HealthAndDrains d={d} />
      <section className="card">
        <div className="card-head">
          <h2>Live table</h2>
          <span className="small muted" data-testid="live-table-age">
            {d.actualReportedAt ? `changed ${ago(d.actualReportedAt)}` : 'never reported'}
            {d.lastVerifiedAt ? ` · verified ${ago(d.lastVerifiedAt)}` : ''}
          </span>
        </div>
        {d.actual ? (
          d.actual.services.length ? (
            <pre className="cmd" data-testid="actual-rules">
              {printRules(d.actual)}
            </pre>
          ) : (
            <p className="muted small">The director’s IPVS table is empty.</p>
          )
        ) : (
          <p className="muted small">No report yet.</p>
        )}
      </section>
    </div>
  );
}
