'use client';
// Review & apply: nothing reaches a director before an admin has seen, for this change set, the
// structured change, the rules diff and — per director — the exact ipvsadm commands its agent
// will run. Then a message, apply, and the live rollout. Rollbacks come through here too.
import Link from 'next/link';
import { useMemo } from 'react';
import type { ChangeInput } from '@/lib/api/schemas';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { editsToChanges } from '@/lib/api/changes';
import { useDraft } from '../changes/draft-store';
import { ChangeList, changeText } from '../diff/ChangeList';
import { useCluster, useRevision } from '../data/queries';
import { useCommitChanges, useRollback } from '../data/mutations';
import { ago } from '../format';
import { href } from '../links';
import { useSession } from '../session';
import { EmptyCard, ErrorState, Loading } from '../ui/states';
import { BackToServices } from '../clusters/BackToServices';
import { Review } from './Review';
import { RevisionRollout } from './StagedRollout';

export function ReviewPage({ cluster, rollbackTo, rollout }: { cluster: string; rollbackTo: number | null; rollout: number | null }) {
  const { can } = useSession();
  if (rollout !== null) {
    return (
      <div className="stack">
        <RevisionRollout cluster={cluster} revision={rollout} />
        <div className="row">
          <BackToServices cluster={cluster} />
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
  const commitChanges = useCommitChanges(cluster);
  const changes = useMemo<ChangeInput[]>(() => (draft && base.data ? editsToChanges(base.data.config, draft.edits, draft.globals) : []), [draft, base.data]);
  if (!draft) {
    return (
      <EmptyCard title="No pending changes" action={<BackToServices cluster={cluster} />}>
        Edit a service or add one; your edits collect here until you apply them as one revision.
      </EmptyCard>
    );
  }
  if (base.isPending || c.isPending) return <Loading rows={6} />;
  if (base.isError) return <ErrorState error={base.error} retry={() => base.refetch()} />;
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (changes.length === 0) {
    return (
      <EmptyCard
        title="Your edits change nothing"
        action={
          <button type="button" className="btn" onClick={clear}>
            Discard them
          </button>
        }
      >
        Every edited service equals what r{draft.baseRevision} already has.
      </EmptyCard>
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
      commit={(message, { rollout, confirmConnectionCuts }) =>
        commitChanges.mutateAsync({ baseRevision: draft.baseRevision, message, changes, confirmConnectionCuts, ...(rollout ? { rollout } : {}) })
      }
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
  const rollback = useRollback(cluster);
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
      commit={(message, { confirmConnectionCuts }) => rollback.mutateAsync({ toRevision: to, baseRevision: current, message, confirmConnectionCuts })}
    />
  );
}
