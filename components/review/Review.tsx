'use client';
// The review steps every change set and rollback goes through: what changes, each director's
// ipvsadm commands, the rules diff, then a message and Apply. The caller says how to commit (a
// mutation from data/mutations.ts, which refreshes what a new revision moves).
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ApiError } from '@/lib/api/client';
import type { RolloutPolicy } from '@/lib/api/rollout';
import type { ChangeInput, ImportPreview, PlanPreview, RevisionSummary } from '@/lib/api/schemas';
import { ConfigDiffView } from '../diff/ConfigDiffView';
import { RulesDiff } from '../diff/RulesDiff';
import { usePreview } from '../data/queries';
import { href } from '../links';
import { ConfirmDialog } from '../ui/dialog';
import { errorIssues, errorMessage, errorStatus } from '../ui/errors';
import { Field } from '../ui/field';
import { ErrorState, Loading } from '../ui/states';
import { useToast } from '../ui/toast';
import { DirectorPlans } from './DirectorPlans';
import { RolloutPolicyPicker } from './RolloutPolicyPicker';
import { ImpactPreview } from './ImpactPreview';
import { plannedCuts } from '@/lib/ipvs/impact';
import styles from './review.module.css';

export type ReviewProps = {
  cluster: string;
  kind: 'changes' | 'rollback';
  baseRevision: number;
  currentRevision: number;
  defaultMessage: string;
  request: { changes: ChangeInput[] } | { config: PlanPreview['config'] };
  intro: React.ReactNode;
  /** `rollout`: the policy chosen for this change (null: the cluster's); confirmConnectionCuts: the user ticked that the plan's connection cuts are intended */
  commit: (message: string, opts: { rollout: RolloutPolicy | null; confirmConnectionCuts: boolean }) => Promise<{ revision: RevisionSummary; pushedTo: number }>;
  onCommitted?: () => void;
  onRebase?: () => void;
  rebaseNote?: string;
  confirm?: string;
  issueLabel?: (path: string) => string;
  editLink?: (path: string) => string | null;
};

export function Review(p: ReviewProps) {
  const router = useRouter();
  const toast = useToast();
  const [message, setMessage] = useState(p.defaultMessage);
  const [commitError, setCommitError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [rollout, setRollout] = useState<RolloutPolicy | null>(null);
  const [cutsConfirmed, setCutsConfirmed] = useState(false);
  const preview = usePreview(p.cluster, { baseRevision: p.baseRevision, message: 'preview', ...p.request });

  const apply = async () => {
    setConfirming(false);
    setBusy(true);
    setCommitError(null);
    try {
      const r = await p.commit(message.trim(), { rollout, confirmConnectionCuts: cutsConfirmed });
      p.onCommitted?.();
      toast.show('ok', `Revision r${r.revision.number} created`, `${r.revision.summary || 'applied'} — pushed to ${r.pushedTo} connected director${r.pushedTo === 1 ? '' : 's'}.`);
      router.replace(`${href.review(p.cluster)}?rollout=${r.revision.number}`);
    } catch (e) {
      setCommitError(e);
      setBusy(false);
      // the live counts moved since the preview: plan again, so the confirmation shows the new ones
      if (errorIssues(e).some((i) => i.path === 'confirmConnectionCuts')) void preview.refetch();
      toast.show('bad', 'Apply failed', errorMessage(e));
    }
  };

  const stale = (preview.data && preview.data.currentRevision !== p.baseRevision) || errorStatus(commitError) === 409;
  const staleCurrent = commitError instanceof ApiError ? commitError.body.current : undefined;
  const messageIssues = errorIssues(commitError)
    .filter((i) => i.path === 'message')
    .map((i) => i.message);
  const otherIssues = [...errorIssues(commitError).filter((i) => i.path !== 'message'), ...(preview.isError ? errorIssues(preview.error) : [])];

  return (
    <div className={styles.steps}>
      <div className="stack" style={{ gap: 16, minWidth: 0 }}>
        <section className="card">
          <div className="card-head">
            <h2>{p.kind === 'rollback' ? 'Rollback' : 'Your changes'}</h2>
            <span className="small muted">on r{p.baseRevision}</span>
          </div>
          {p.intro}
        </section>

        {stale ? (
          <div className="notice warn" role="alert" data-testid="stale-base">
            <strong>Someone applied r{staleCurrent?.number ?? preview.data?.currentRevision ?? p.currentRevision}</strong>
            {staleCurrent ? ` (${staleCurrent.author}: ${staleCurrent.message})` : ''} after r{p.baseRevision}, which these changes were made on. {p.rebaseNote}
            {p.onRebase ? (
              <div style={{ marginTop: 8 }}>
                <button
                  type="button"
                  className="btn small"
                  onClick={() => {
                    setCommitError(null);
                    p.onRebase!();
                  }}
                >
                  Rebase onto r{staleCurrent?.number ?? preview.data?.currentRevision ?? p.currentRevision}
                </button>
              </div>
            ) : null}
          </div>
        ) : null}

        {otherIssues.length ? (
          <div className="notice bad" role="alert" data-testid="review-issues">
            <strong>{errorMessage(commitError ?? preview.error)}</strong>
            <ul>
              {otherIssues.map((i, k) => {
                const link = p.editLink?.(i.path);
                return (
                  <li key={k}>
                    <code>{p.issueLabel ? p.issueLabel(i.path) : i.path}</code>: {i.message} {link ? <Link href={link}>edit</Link> : null}
                  </li>
                );
              })}
            </ul>
          </div>
        ) : null}

        {preview.isPending ? (
          <div className="card">
            <Loading label="Planning against each director’s live table…" />
          </div>
        ) : preview.isError ? (
          otherIssues.length ? null : (
            <ErrorState error={preview.error} title="Plan preview failed" retry={() => preview.refetch()} />
          )
        ) : (
          <PreviewBody plan={preview.data} />
        )}
      </div>

      <aside className={`card ${styles.side}`} aria-label="Apply">
        <h2 style={{ marginBottom: 12 }}>Apply</h2>
        {preview.data ? (
          <p className="small" data-testid="plan-summary">
            {preview.data.unchanged ? 'No change to the desired config.' : preview.data.summary}
          </p>
        ) : null}
        {preview.data && !preview.data.unchanged ? <ImpactPreview plan={preview.data} confirmed={cutsConfirmed} onConfirm={setCutsConfirmed} /> : null}
        <Field label="Message" errors={messageIssues} help="Why — it goes into the history and the audit log">
          <textarea rows={3} value={message} onChange={(e) => setMessage(e.target.value)} placeholder="e.g. add web pool for the new VIP" style={{ fontFamily: 'var(--sans)' }} />
        </Field>
        {p.kind === 'changes' ? <RolloutPolicyPicker cluster={p.cluster} value={rollout} onChange={setRollout} /> : null}
        <div className="row" style={{ marginTop: 12 }}>
          <button
            type="button"
            className="btn primary grow"
            disabled={busy || !preview.data || preview.data.unchanged || !message.trim() || stale || (plannedCuts(preview.data.directors).known > 0 && !cutsConfirmed)}
            onClick={() => (p.confirm ? setConfirming(true) : apply())}
            data-testid="apply"
          >
            {busy ? <span className="spinner" /> : null}
            Apply r{(preview.data?.currentRevision ?? p.currentRevision) + 1}
          </button>
        </div>
        {!message.trim() ? (
          <p className="small faint" style={{ marginTop: 6 }}>
            A message is required.
          </p>
        ) : null}
        <p className="small faint" style={{ marginTop: 10 }}>
          Applying stores a new immutable revision and pushes it to the connected agents (all at once, or step by step under a staged rollout); each plans against its own live table, so the commands
          it runs are the ones shown here unless its table changes meanwhile.
        </p>
      </aside>
      <ConfirmDialog open={confirming} title={p.confirm ?? 'Apply?'} confirmLabel="Roll back" onConfirm={apply} onClose={() => setConfirming(false)} busy={busy}>
        <p>This creates a new revision equal to the old one and pushes it to every director now.</p>
      </ConfirmDialog>
    </div>
  );
}

/** A change set's preview, or an import's summary of one (no rules text, first entries of the diff, first ops). */
export function PreviewBody({ plan }: { plan: PlanPreview | ImportPreview }) {
  return (
    <>
      <section className="card" data-testid="structured-diff">
        <div className="card-head">
          <h2>What changes</h2>
          <span className="small muted">{plan.summary}</span>
        </div>
        <ConfigDiffView diff={plan.diff} />
        {'diffTruncated' in plan && plan.diffTruncated ? (
          <p className="small muted" data-testid="diff-truncated">
            Showing the first services of each list: {plan.counts.services.added} added, {plan.counts.services.changed} changed, {plan.counts.services.removed} removed in all.
          </p>
        ) : null}
      </section>
      <section className="card">
        <div className="card-head">
          <h2>ipvsadm commands per director</h2>
        </div>
        <DirectorPlans plans={plan.directors} />
      </section>
      {'rules' in plan ? (
        <section className="card">
          <div className="card-head">
            <h2>Rules (ipvsadm-save -n)</h2>
          </div>
          <RulesDiff before={plan.rules.before} after={plan.rules.after} beforeLabel={`r${plan.baseRevision}`} afterLabel="this change" />
        </section>
      ) : null}
    </>
  );
}
