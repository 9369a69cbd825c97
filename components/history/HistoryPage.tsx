'use client';
// Revisions of a cluster: number, author, message, time, change summary. Pick any two to diff
// (structured and as rules text); roll back to any older one through Review & apply.
import Link from 'next/link';
import { useState } from 'react';
import { useCluster, useDiff, useRevisions } from '../data/queries';
import { ConfigDiffView } from '../diff/ConfigDiffView';
import { RulesDiff } from '../diff/RulesDiff';
import { ago, dateTime } from '../format';
import { href } from '../links';
import { Can } from '../session';
import { Empty, ErrorState, Loading } from '../ui/states';
import styles from './history.module.css';

const NO_REVISIONS: never[] = [];

export function HistoryPage({ cluster }: { cluster: string }) {
  const q = useRevisions(cluster);
  const c = useCluster(cluster);
  const [picked, setPicked] = useState<{ from: number | null; to: number | null } | null>(null);
  const revs = q.data?.revisions ?? NO_REVISIONS;
  const current = c.data?.currentRevision?.number ?? null;
  // until the admin picks, show what the newest revision changed
  const newest = revs.length >= 2 ? { from: revs[1]!.number, to: revs[0]!.number } : { from: null, to: null };
  const { from, to } = picked ?? newest;
  const setFrom = (n: number) => setPicked({ from: n, to });
  const setTo = (n: number) => setPicked({ from, to: n });

  if (q.isPending) return <Loading rows={8} />;
  if (q.isError) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  if (revs.length === 0) return <Empty title="No revisions yet" />;

  return (
    <div className={styles.layout}>
      <section aria-label="Revisions">
        <div className="table-wrap">
          <table className="data" data-testid="revisions-table">
            <thead>
              <tr>
                <th title="diff from">A</th>
                <th title="diff to">B</th>
                <th>Rev</th>
                <th>Message</th>
                <th>Author</th>
                <th>When</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {revs.map((r) => (
                <tr key={r.number} data-testid={`revision-${r.number}`}>
                  <td>
                    <input type="radio" name="from" aria-label={`diff from r${r.number}`} checked={from === r.number} onChange={() => setFrom(r.number)} />
                  </td>
                  <td>
                    <input type="radio" name="to" aria-label={`diff to r${r.number}`} checked={to === r.number} onChange={() => setTo(r.number)} />
                  </td>
                  <td className="mono nowrap">
                    r{r.number}
                    {r.number === current ? (
                      <span className="badge ok" style={{ marginLeft: 6 }}>
                        current
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <div>{r.message}</div>
                    {r.summary ? <div className="small muted">{r.summary}</div> : null}
                  </td>
                  <td className="nowrap">{r.author}</td>
                  <td className="nowrap small" title={dateTime(r.createdAt)}>
                    {ago(r.createdAt)}
                  </td>
                  <td className="right nowrap">
                    {r.number !== current ? (
                      <Can role="operator">
                        <Link href={href.rollback(cluster, r.number)} className="btn small">
                          Roll back to r{r.number}…
                        </Link>
                      </Can>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {q.data.nextBefore !== null ? <p className="small muted">Showing the newest {revs.length} revisions.</p> : null}
      </section>
      <section aria-label="Diff" className="stack">
        <DiffPanel cluster={cluster} from={from} to={to} />
      </section>
    </div>
  );
}

function DiffPanel({ cluster, from, to }: { cluster: string; from: number | null; to: number | null }) {
  const d = useDiff(cluster, from, to);
  if (from === null || to === null) return <div className="card muted small">Pick two revisions (A and B) to compare.</div>;
  if (from === to) return <div className="card muted small">A and B are the same revision.</div>;
  if (d.isPending)
    return (
      <div className="card">
        <Loading label={`Comparing r${from} and r${to}…`} />
      </div>
    );
  if (d.isError) return <ErrorState error={d.error} retry={() => d.refetch()} />;
  return (
    <>
      <div className="card" data-testid="history-diff">
        <div className="card-head">
          <h2>
            r{d.data.from.number} → r{d.data.to.number}
          </h2>
          <a className="btn small ghost" download={`${cluster}-r${from}-r${to}.diff`} href={`data:text/x-diff;charset=utf-8,${encodeURIComponent(d.data.rules.unified)}`}>
            Download .diff
          </a>
        </div>
        <ConfigDiffView diff={d.data.diff} />
      </div>
      <RulesDiff before={d.data.rules.from} after={d.data.rules.to} beforeLabel={`r${d.data.from.number}`} afterLabel={`r${d.data.to.number}`} />
    </>
  );
}
