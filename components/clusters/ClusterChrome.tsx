'use client';
// The frame of every cluster page: name, desired revision, directors at a glance, the tabs,
// and the pending-changes bar that leads to Review & apply.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { useDraft } from '../changes/draft-store';
import { useCluster, useClusterHead } from '../data/queries';
import { DirectorStaleBadge, DirectorStateBadge } from '../directors/DirectorState';
import { useDirectorStatusFeed } from '../live/director-status';
import { ago } from '../format';
import { href } from '../links';
import { Can } from '../session';
import { ErrorState, Loading } from '../ui/states';
import styles from './cluster.module.css';

export function ClusterChrome({ cluster, children }: { cluster: string; children: ReactNode }) {
  const q = useCluster(cluster);
  // the header paints from the cluster's first services while the whole config loads
  const head = useClusterHead(cluster, q.isPending);
  useDirectorStatusFeed(cluster);
  const path = usePathname() ?? '';
  const { count, clear } = useDraft(cluster);
  const base = href.cluster(cluster);
  const tabs = [
    { href: base, label: 'Services', active: path === base || path.startsWith(`${base}/services`) },
    { href: href.directors(cluster), label: 'Directors', active: path.startsWith(href.directors(cluster)) },
    { href: href.ha(cluster), label: 'HA', active: path.startsWith(href.ha(cluster)) },
    { href: href.history(cluster), label: 'History', active: path.startsWith(href.history(cluster)) },
    { href: href.importExport(cluster), label: 'Import & export', active: path.startsWith(href.importExport(cluster)) },
    { href: href.settings(cluster), label: 'Settings', active: path.startsWith(href.settings(cluster)) },
  ];
  const c = q.data ?? head.data;
  if (!c && !q.isError) {
    return (
      <div className="page">
        <Loading rows={3} />
      </div>
    );
  }
  if (!c) {
    return (
      <div className="page">
        <ErrorState error={q.error} title={`Cluster ${cluster}`} retry={() => q.refetch()} />
      </div>
    );
  }
  const onReview = path.startsWith(href.review(cluster));
  return (
    <div className="page">
      <div className="crumbs">
        <Link href="/">Clusters</Link> /
      </div>
      <div className="page-head" style={{ marginBottom: 10 }}>
        <h1 data-testid="cluster-name">{c.name}</h1>
        <div className="sub">
          {c.currentRevision ? (
            <>
              desired <strong>r{c.currentRevision.number}</strong> by {c.currentRevision.author} {ago(c.currentRevision.createdAt)} — {c.currentRevision.message}
            </>
          ) : (
            'no revision yet'
          )}
          {c.description ? <> · {c.description}</> : null}
        </div>
        <span className="spacer" />
        <div className="row" style={{ gap: 6 }}>
          {c.directors.map((d) => (
            <Link key={d.id} href={href.director(cluster, d.name)} className="row small" style={{ gap: 4, color: 'var(--text)' }}>
              <span className="mono">{d.name}</span>
              <DirectorStateBadge d={d} />
              <DirectorStaleBadge d={d} />
            </Link>
          ))}
        </div>
      </div>
      <nav className="tabs" aria-label="Cluster">
        {tabs.map((t) => (
          <Link key={t.href} href={t.href} aria-current={t.active ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {count > 0 && !onReview ? (
        <Can role="operator">
          <div className={styles.pending} role="status" data-testid="pending-changes">
            <span>
              <strong>{count}</strong> pending edit{count === 1 ? '' : 's'} (services or director settings), not applied yet.
            </span>
            <span className="grow" />
            <button type="button" className="btn small ghost" onClick={clear}>
              Discard
            </button>
            <Link href={href.review(cluster)} className="btn small primary">
              Review &amp; apply
            </Link>
          </div>
        </Can>
      ) : null}
      {children}
    </div>
  );
}
