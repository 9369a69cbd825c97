'use client';
// After apply: each director of the cluster, pending → applied, or failed with ipvsadm's own
// message and the command that failed, and a retry (re-push the desired revision).
import type { DirectorStatus } from '@/lib/api/schemas';
import { useDirectors } from '../data/queries';
import { useDirectorStatuses } from '../live/director-status';
import { useReapplyDirector } from '../data/mutations';
import { ago } from '../format';
import { Can } from '../session';
import { errorMessage } from '../ui/errors';
import { ErrorState, Loading } from '../ui/states';
import { useToast } from '../ui/toast';
import styles from './review.module.css';
import { rolloutPhase, type RolloutPhase } from './rollout-phase';

export function RolloutView({ cluster, revision }: { cluster: string; revision: number }) {
  // statuses stream in (the cluster frame holds the stream); the query seeds them and covers a gap
  const q = useDirectors(cluster);
  const statuses = useDirectorStatuses(cluster);
  if (q.isPending) return <Loading label="Waiting for the directors…" />;
  if (q.isError) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const dirs = (statuses.length ? statuses : q.data.directors).filter((d) => !d.revoked);
  const phases = dirs.map((d) => rolloutPhase(d, revision));
  const done = phases.filter((p) => p === 'applied' || p === 'superseded').length;
  return (
    <section aria-label="Rollout" className="stack" data-testid="rollout">
      <div className="row">
        <h2 className="grow">Rollout of r{revision}</h2>
        <span className="small muted" data-testid="rollout-summary">
          {done}/{dirs.length} directors applied
          {phases.includes('failed') ? ` · ${phases.filter((p) => p === 'failed').length} failed` : ''}
        </span>
      </div>
      {dirs.length === 0 ? <div className="notice warn">No directors registered: nothing to roll out to.</div> : null}
      <div className={styles.rollout}>
        {dirs.map((d, i) => (
          <RolloutRow key={d.id} cluster={cluster} d={d} phase={phases[i]!} revision={revision} />
        ))}
      </div>
    </section>
  );
}

function RolloutRow({ cluster, d, phase, revision }: { cluster: string; d: DirectorStatus; phase: RolloutPhase; revision: number }) {
  const toast = useToast();
  const reapply = useReapplyDirector(cluster);
  const busy = reapply.isPending;
  const retry = async () => {
    try {
      const r = await reapply.mutateAsync(d.name);
      toast.show(r.sent ? 'ok' : 'warn', r.sent ? `Re-sent r${r.revision} to ${d.name}` : `${d.name} is not connected; it gets r${r.revision} when it reconnects`);
    } catch (e) {
      toast.show('bad', `Retry on ${d.name} failed`, errorMessage(e));
    }
  };
  const badge =
    phase === 'applied' ? (
      <span className="badge ok">applied</span>
    ) : phase === 'failed' ? (
      <span className="badge bad">failed</span>
    ) : phase === 'offline' ? (
      <span className="badge bad">offline</span>
    ) : phase === 'superseded' ? (
      <span className="badge">superseded</span>
    ) : (
      <span className="badge info">
        <span className="spinner" style={{ width: 10, height: 10 }} /> pending
      </span>
    );
  return (
    <div className={styles.rolloutRow} data-testid={`rollout-${d.name}`} data-phase={phase}>
      <strong className="mono">{d.name}</strong>
      <div>{badge}</div>
      <div className="small">
        {phase === 'applied' ? (
          <span className="muted">
            running r{d.appliedRevision}
            {d.appliedAt ? `, applied ${ago(d.appliedAt)}` : ''}
          </span>
        ) : phase === 'failed' && d.lastError ? (
          <div className="stack" style={{ gap: 4 }}>
            <div className={styles.failMsg} data-testid="rollout-error">
              ipvsadm: {d.lastError.message}
              {d.lastError.exitCode !== null ? ` (exit ${d.lastError.exitCode})` : ''}
            </div>
            <code className="small">{d.lastError.command}</code>
            <span className="muted">
              {d.lastError.opsApplied} command{d.lastError.opsApplied === 1 ? '' : 's'} before it took effect; the director keeps running r{d.appliedRevision ?? '–'} otherwise.
            </span>
          </div>
        ) : phase === 'offline' ? (
          <span className="muted">
            agent not connected ({d.lastSeenAt ? `last seen ${ago(d.lastSeenAt)}` : 'never seen'}); it applies r{revision} when it connects
          </span>
        ) : phase === 'superseded' ? (
          <span className="muted">a newer revision (r{d.desiredRevision}) replaced this one</span>
        ) : (
          <span className="muted">pushed; waiting for the agent’s ACK (running r{d.appliedRevision ?? '–'})</span>
        )}
      </div>
      <div>
        {phase === 'failed' || phase === 'pending' ? (
          <Can role="operator">
            <button type="button" className="btn small" onClick={retry} disabled={busy}>
              Retry
            </button>
          </Can>
        ) : null}
      </div>
    </div>
  );
}
