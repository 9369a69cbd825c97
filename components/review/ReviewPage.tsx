'use client';
// Review & apply: nothing reaches a director before an admin has seen, for this change set, the
// structured change, the rules diff and — per director — the exact ipvsadm commands its agent
// will run. Then a message, apply, and the live rollout. Rollbacks come through here too.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '@/lib/api/client';
import type { ChangeInput, ImportPreview, PlanPreview, RevisionSummary } from '@/lib/api/schemas';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { editsToChanges } from '../changes/changeset';
import { useDraft } from '../changes/draft-store';
import { ChangeList, changeText } from '../diff/ChangeList';
import { ConfigDiffView } from '../diff/ConfigDiffView';
import { RulesDiff } from '../diff/RulesDiff';
import { useCluster, useRevision } from '../data/queries';
import { ago } from '../format';
import { href } from '../links';
import { useSession } from '../session';
import { ConfirmDialog } from '../ui/dialog';
import { errorIssues, errorMessage, errorStatus } from '../ui/errors';
import { Field } from '../ui/field';
import { Empty, ErrorState, Loading } from '../ui/states';
import { useToast } from '../ui/toast';
import { DirectorPlans } from './DirectorPlans';
import { RolloutView } from './RolloutView';
import styles from './review.module.css';

export function ReviewPage({ cluster, rollbackTo, rollout }: { cluster: string; rollbackTo: number | null; rollout: number | null }) {
  const { can } = useSession();
  if (rollout !== null) {
    return (
      <div className="stack">
        <RolloutView cluster={cluster} revision={rollout} />
        <div className="row">
          <Link href={href.cluster(cluster)} className="btn">
            Back to services
          </Link>
          <Link href={href.directors(cluster)} className="btn ghost">
            Directors
          </Link>
        </div>
      </div>
    );
  }
  if (!can('operator')) return <ErrorState error="applying changes needs the operator role" title="Not allowed" />;
  return rollbackTo !== null ? <RollbackReview cluster={cluster} to={rollbackTo} /> : <DraftReview cluster={cluster} />;
}

function DraftReview({ cluster }: { cluster: string }) {
  const { draft, rebase, clear } = useDraft(cluster);
  const c = useCluster(cluster);
  const base = useRevision(cluster, draft?.baseRevision ?? null);
  const changes = useMemo<ChangeInput[]>(() => (draft && base.data ? editsToChanges(base.data.config, draft.edits, draft.globals) : []), [draft, base.data]);
  if (!draft) {
    return (
      <div className="card">
        <Empty title="No pending changes" action={<Link href={href.cluster(cluster)} className="btn">Back to services</Link>}>
          Edit a service or add one; your edits collect here until you apply them as one revision.
        </Empty>
      </div>
    );
  }
  if (base.isPending || c.isPending) return <Loading rows={6} />;
  if (base.isError) return <ErrorState error={base.error} retry={() => base.refetch()} />;
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (changes.length === 0) {
    return (
      <div className="card">
        <Empty
          title="Your edits change nothing"
          action={
            <button type="button" className="btn" onClick={clear}>
              Discard them
            </button>
          }
        >
          Every edited service equals what r{draft.baseRevision} already has.
        </Empty>
      </div>
    );
  }
  const current = c.data.currentRevision?.number ?? draft.baseRevision;
  return (
    <Review
      cluster={cluster}
      kind="changes"
      baseRevision={draft.baseRevision}
      currentRevision={current}
      defaultMessage=""
      request={{ changes }}
      intro={<ChangeList changes={changes} />}
      onRebase={current !== draft.baseRevision ? () => rebase(current) : undefined}
      rebaseNote={
        current !== draft.baseRevision
          ? `Rebasing re-computes your edits against r${current}. For the services you edited (${Object.keys(draft.edits).length}), your version replaces theirs.`
          : undefined
      }
      commit={(message) => api.commitChanges(cluster, { baseRevision: draft.baseRevision, message, changes })}
      onCommitted={clear}
      issueLabel={(path) => {
        const m = /^changes\.(\d+)(?:\.(.*))?$/.exec(path);
        const ch = m ? changes[Number(m[1])] : undefined;
        return ch ? `${changeText(ch).op} ${changeText(ch).text.split(':')[0]}${m![2] ? ` · ${m![2]}` : ''}` : path;
      }}
      editLink={(path) => {
        const m = /^changes\.(\d+)/.exec(path);
        const ch = m ? changes[Number(m[1])] : undefined;
        return ch && 'service' in ch ? href.service(cluster, serviceKeyId(ch.service as Parameters<typeof serviceKeyId>[0])) : null;
      }}
    />
  );
}

function RollbackReview({ cluster, to }: { cluster: string; to: number }) {
  const c = useCluster(cluster);
  const target = useRevision(cluster, to);
  if (c.isPending || target.isPending) return <Loading rows={6} />;
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (target.isError) return <ErrorState error={target.error} title={`Revision r${to}`} retry={() => target.refetch()} />;
  const current = c.data.currentRevision?.number ?? 0;
  const t = target.data;
  return (
    <Review
      cluster={cluster}
      kind="rollback"
      baseRevision={current}
      currentRevision={current}
      defaultMessage={`Roll back to r${to}`}
      request={{ config: t.config }}
      intro={
        <p className="small">
          Roll back to <strong>r{t.number}</strong> ({t.message}, by {t.author} {ago(t.createdAt)}): a new revision whose config equals r{t.number}. The history keeps everything in between.
        </p>
      }
      confirm={`Roll back ${cluster} to r${to}?`}
      commit={(message) => api.rollback(cluster, { toRevision: to, baseRevision: current, message })}
    />
  );
}

type ReviewProps = {
  cluster: string;
  kind: 'changes' | 'rollback';
  baseRevision: number;
  currentRevision: number;
  defaultMessage: string;
  request: { changes: ChangeInput[] } | { config: PlanPreview['config'] };
  intro: React.ReactNode;
  commit: (message: string) => Promise<{ revision: RevisionSummary; pushedTo: number }>;
  onCommitted?: () => void;
  onRebase?: () => void;
  rebaseNote?: string;
  confirm?: string;
  issueLabel?: (path: string) => string;
  editLink?: (path: string) => string | null;
};

function Review(p: ReviewProps) {
  const router = useRouter();
  const qc = useQueryClient();
  const toast = useToast();
  const [message, setMessage] = useState(p.defaultMessage);
  const [commitError, setCommitError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const reqKey = JSON.stringify(p.request);
  const preview = useQuery({
    queryKey: ['plan', p.cluster, p.baseRevision, reqKey],
    queryFn: () => api.previewChanges(p.cluster, { baseRevision: p.baseRevision, message: message.trim() || 'preview', ...p.request }),
    staleTime: 5_000,
    refetchOnWindowFocus: false,
  });

  const apply = async () => {
    setConfirming(false);
    setBusy(true);
    setCommitError(null);
    try {
      const r = await p.commit(message.trim());
      p.onCommitted?.();
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['cluster', p.cluster] }),
        qc.invalidateQueries({ queryKey: ['revisions', p.cluster] }),
        qc.invalidateQueries({ queryKey: ['directors', p.cluster] }),
        qc.invalidateQueries({ queryKey: ['clusters'] }),
      ]);
      toast.show('ok', `Revision r${r.revision.number} created`, `${r.revision.summary || 'applied'} — pushed to ${r.pushedTo} connected director${r.pushedTo === 1 ? '' : 's'}.`);
      router.replace(`${href.review(p.cluster)}?rollout=${r.revision.number}`);
    } catch (e) {
      setCommitError(e);
      setBusy(false);
      toast.show('bad', 'Apply failed', errorMessage(e));
    }
  };

  const stale = (preview.data && preview.data.currentRevision !== p.baseRevision) || errorStatus(commitError) === 409;
  const staleCurrent = commitError instanceof ApiError ? commitError.body.current : undefined;
  const messageIssues = errorIssues(commitError).filter((i) => i.path === 'message').map((i) => i.message);
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
                <button type="button" className="btn small" onClick={() => { setCommitError(null); p.onRebase!(); }}>
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
          otherIssues.length ? null : <ErrorState error={preview.error} title="Plan preview failed" retry={() => preview.refetch()} />
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
        <Field label="Message" errors={messageIssues} help="Why — it goes into the history and the audit log">
          <textarea rows={3} value={message} onChange={(e) => setMessage(e.target.value)} placeholder="e.g. add web pool for the new VIP" style={{ fontFamily: 'var(--sans)' }} />
        </Field>
        <div className="row" style={{ marginTop: 12 }}>
          <button
            type="button"
            className="btn primary grow"
            disabled={busy || !preview.data || preview.data.unchanged || !message.trim() || stale}
            onClick={() => (p.confirm ? setConfirming(true) : apply())}
            data-testid="apply"
          >
            {busy ? <span className="spinner" /> : null}
            Apply r{(preview.data?.currentRevision ?? p.currentRevision) + 1}
          </button>
        </div>
        {!message.trim() ? <p className="small faint" style={{ marginTop: 6 }}>A message is required.</p> : null}
        <p className="small faint" style={{ marginTop: 10 }}>
          Applying stores a new immutable revision and pushes it to every connected agent at once; each plans against its own live table, so the commands it runs are the ones shown here unless its table changes meanwhile.
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

