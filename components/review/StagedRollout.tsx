'use client';
// After apply: a staged rollout (canary, one at a time) shows each step, each director in it and
// each gate with why it passed, waits or held, with pause / resume / abort and, after an abort, a
// rollback. A revision applied all at once has no staged rollout: the plain per-director view.
import { useRouter } from 'next/navigation';
import { isActive, type Gate, type Rollout, type RolloutStep } from '@/lib/api/rollout';
import type { DirectorStatus } from '@/lib/api/schemas';
import { useRolloutAction } from '../data/mutations';
import { useDirectors, useRollouts } from '../data/queries';
import { ago } from '../format';
import { href } from '../links';
import { useDirectorStatuses } from '../live/director-status';
import { Can } from '../session';
import { errorMessage } from '../ui/errors';
import { ErrorState, Loading } from '../ui/states';
import { useToast } from '../ui/toast';
import { rolloutPhase } from './rollout-phase';
import { RolloutView } from './RolloutView';
import styles from './review.module.css';

export function RevisionRollout({ cluster, revision }: { cluster: string; revision: number }) {
  const q = useRollouts(cluster);
  if (q.isPending) return <Loading label="Loading the rollout…" />;
  if (q.isError) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const staged = q.data.rollouts.find((r) => r.revision === revision);
  return staged ? <StagedRolloutView cluster={cluster} rollout={staged} /> : <RolloutView cluster={cluster} revision={revision} />;
}

const STATE_TONE: Record<Rollout['state'], string> = { running: 'info', paused: 'warn', held: 'bad', done: 'ok', aborted: 'bad', superseded: '' };
const GATE_TONE: Record<Gate['status'], string> = { pass: 'ok', pending: 'info', hold: 'bad' };

function policyText(r: Rollout): string {
  const p = r.policy;
  if (r.kind === 'rollback') return `rollback of r${r.fromRevision} to the directors that took it`;
  if (p.mode === 'all') return 'all at once';
  if (p.mode === 'one-at-a-time') return `one director at a time, soak ${p.soakSeconds} s`;
  return `canary of ${p.canary}, soak ${p.soakSeconds} s, then batches of ${p.batch}`;
}

function StagedRolloutView({ cluster, rollout: r }: { cluster: string; rollout: Rollout }) {
  // statuses stream in (the cluster frame holds the stream); the query seeds them and covers a gap
  const live = useDirectorStatuses(cluster);
  const q = useDirectors(cluster);
  const statuses = new Map((live.length ? live : (q.data?.directors ?? [])).map((d) => [d.id, d]));
  return (
    <section aria-label="Rollout" className="stack" data-testid="staged-rollout" data-state={r.state}>
      <div className="row">
        <h2 className="grow">
          {r.kind === 'rollback' ? 'Rollback' : 'Rollout'} of r{r.revision}
        </h2>
        <span className={`badge ${STATE_TONE[r.state]}`} data-testid="rollout-state">
          {r.state}
        </span>
      </div>
      <p className="small muted">
        {policyText(r)} · from r{r.fromRevision} · by {r.author} {ago(r.createdAt)} · step {Math.min(r.step + 1, r.steps.length)} of {r.steps.length}
      </p>
      <RolloutActions cluster={cluster} rollout={r} />
      <div className={styles.rollout}>
        {r.steps.map((s, i) => (
          <StepCard key={i} index={i} step={s} rollout={r} statuses={statuses} />
        ))}
      </div>
    </section>
  );
}

function StepCard({ index, step, rollout: r, statuses }: { index: number; step: RolloutStep; rollout: Rollout; statuses: Map<string, DirectorStatus> }) {
  const status = step.finishedAt ? 'passed' : step.startedAt ? (r.state === 'held' ? 'held' : 'current') : 'waiting';
  return (
    <div className="card" data-testid={`rollout-step-${index + 1}`} data-status={status}>
      <div className="card-head">
        <h3>
          Step {index + 1}: {step.directors.map((d) => d.name).join(', ')}
        </h3>
        <span className="small muted">{step.startedAt ? `started ${ago(step.startedAt)}` : 'keeps the previous revision until the steps before it pass'}</span>
      </div>
      <div className="stack" style={{ gap: 6 }}>
        {step.directors.map((d) => {
          const s = statuses.get(d.id);
          const phase = s ? rolloutPhase(s, r.revision) : 'pending';
          return (
            <div key={d.id} className="row small" data-testid={`step-director-${d.name}`} data-phase={phase} data-applied={s?.appliedRevision ?? ''}>
              <strong className="mono">{d.name}</strong>
              <span className={`badge ${phase === 'applied' ? 'ok' : phase === 'failed' || phase === 'offline' ? 'bad' : 'info'}`}>{phase}</span>
              <span className="muted">
                running r{s?.appliedRevision ?? '–'}, told to run r{s?.desiredRevision ?? '–'}
              </span>
            </div>
          );
        })}
        {step.gates.length ? (
          <ul className="small" style={{ margin: 0, paddingLeft: 18 }}>
            {step.gates.map((g) => (
              <li key={g.name} data-testid={`gate-${g.name}`} data-status={g.status}>
                <span className={`badge ${GATE_TONE[g.status]}`}>{g.status}</span> <strong>{g.name}</strong>: {g.reason}
              </li>
            ))}
          </ul>
        ) : step.startedAt ? (
          <p className="small muted">Gates are evaluated every second.</p>
        ) : null}
        {step.baseline ? (
          <p className="small faint">
            before the step: {step.baseline.cps === null ? 'no numbers' : `${step.baseline.cps.toFixed(1)} new conn/s`}, {step.baseline.unhealthy.length} real server(s) unhealthy
          </p>
        ) : null}
      </div>
    </div>
  );
}

function RolloutActions({ cluster, rollout: r }: { cluster: string; rollout: Rollout }) {
  const toast = useToast();
  const router = useRouter();
  const act = useRolloutAction(cluster);
  const run = async (action: 'pause' | 'resume' | 'abort' | 'rollback') => {
    try {
      const next = await act.mutateAsync({ revision: r.revision, body: { action } });
      toast.show('ok', action === 'rollback' ? `Rolling back: r${next.revision}` : `Rollout ${next.state}`);
      if (action === 'rollback') router.replace(`${href.review(cluster)}?rollout=${next.revision}`);
    } catch (e) {
      toast.show('bad', `Could not ${action}`, errorMessage(e));
    }
  };
  const button = (action: 'pause' | 'resume' | 'abort' | 'rollback', label: string, tone = '') => (
    <button type="button" className={`btn small ${tone}`} disabled={act.isPending} onClick={() => run(action)} data-testid={`rollout-${action}`}>
      {label}
    </button>
  );
  return (
    <Can role="operator">
      <div className="row">
        {r.state === 'running' || r.state === 'held' ? button('pause', 'Pause') : null}
        {r.state === 'paused' || r.state === 'held' ? button('resume', 'Resume') : null}
        {isActive(r.state) ? button('abort', 'Abort', 'danger') : null}
        {r.state === 'aborted' && r.kind === 'rollout' ? (
          <>
            <span className="small muted grow">Directors outside the started steps still run r{r.fromRevision}.</span>
            {button('rollback', `Roll back to r${r.fromRevision}`, 'primary')}
          </>
        ) : null}
      </div>
    </Can>
  );
}
