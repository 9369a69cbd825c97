'use client';
// The front page: every cluster, its directors (up/down, desired vs applied), totals, alerts.
import Link from 'next/link';
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ClusterSummary } from '@/lib/api/schemas';
import { Sparkline } from '../charts/Sparkline';
import { useClusters } from '../data/queries';
import { useCreateCluster } from '../data/mutations';
import { DirectorStaleBadge, DirectorStateBadge } from '../directors/DirectorState';
import { formatMetric, si } from '../format';
import { Can } from '../session';
import { Dialog, FormActions } from '../ui/dialog';
import { issuesAt } from '../ui/errors';
import { Field } from '../ui/field';
import { Empty, ErrorState, Loading } from '../ui/states';
import { useToast } from '../ui/toast';

export function ClusterOverview() {
  const q = useClusters();
  const [creating, setCreating] = useState(false);
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Clusters</h1>
          <div className="sub">Each cluster is a set of directors that run the same IPVS configuration.</div>
        </div>
        <span className="spacer" />
        <Can role="operator">
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>
            New cluster
          </button>
        </Can>
      </div>
      {q.isPending ? (
        <div className="card">
          <Loading rows={4} />
        </div>
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => q.refetch()} />
      ) : q.data.clusters.length === 0 ? (
        <div className="card">
          <Empty title="No clusters yet">Create a cluster, register its directors, then add virtual services or import an existing ipvsadm-save dump.</Empty>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="clusters-table">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Directors</th>
                <th className="num">Revision</th>
                <th className="num">Services</th>
                <th className="num">Real servers</th>
                <th className="num">Active</th>
                <th className="num">Inactive</th>
                <th className="num">New conn/s</th>
                <th>Last 5 min</th>
                <th>Alerts</th>
              </tr>
            </thead>
            <tbody>
              {q.data.clusters.map((c) => (
                <ClusterRow key={c.id} c={c} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateClusterDialog open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}

function ClusterRow({ c }: { c: ClusterSummary }) {
  const desired = c.currentRevision?.number ?? null;
  return (
    <tr>
      <td>
        <Link href={`/clusters/${encodeURIComponent(c.name)}`} style={{ fontWeight: 600 }}>
          {c.name}
        </Link>
        {c.description ? <div className="small muted">{c.description}</div> : null}
      </td>
      <td>
        {c.directors.length === 0 ? (
          <span className="faint small">none registered</span>
        ) : (
          <div className="stack" style={{ gap: 4 }}>
            {c.directors.map((d) => (
              <div key={d.id} className="row small" style={{ gap: 6 }}>
                <span className="mono">{d.name}</span>
                <DirectorStateBadge d={d} />
                <DirectorStaleBadge d={d} />
                <span className="faint" title="applied revision">
                  r{d.appliedRevision ?? '–'}
                </span>
              </div>
            ))}
          </div>
        )}
      </td>
      <td className="num">{desired === null ? '–' : `r${desired}`}</td>
      <td className="num">{c.services}</td>
      <td className="num">{c.realServers}</td>
      <td className="num">{si(c.live.activeConns)}</td>
      <td className="num">{si(c.live.inactConns)}</td>
      <td className="num">{formatMetric(c.live.cps, 'cps')}</td>
      <td>
        <Sparkline values={c.live.cpsSpark} label={`new connections per second in ${c.name}, last 5 minutes`} />
      </td>
      <td>
        <Alerts a={c.alerts} neverConnected={c.directors.filter((d) => d.state === 'never-connected').length} />
      </td>
    </tr>
  );
}

function Alerts({ a, neverConnected }: { a: ClusterSummary['alerts']; neverConnected: number }) {
  const items = [
    neverConnected ? (
      <span key="n" className="badge warn">
        {neverConnected} never connected
      </span>
    ) : null,
    a.offline ? (
      <span key="o" className="badge bad">
        {a.offline} offline
      </span>
    ) : null,
    a.failed ? (
      <span key="f" className="badge bad">
        {a.failed} failed
      </span>
    ) : null,
    a.drift ? (
      <span key="d" className="badge warn">
        {a.drift} drift
      </span>
    ) : null,
    a.unhealthy ? (
      <span key="u" className="badge bad">
        {a.unhealthy} unhealthy
      </span>
    ) : null,
    a.draining ? (
      <span key="r" className="badge warn">
        {a.draining} draining
      </span>
    ) : null,
  ].filter(Boolean);
  return items.length ? (
    <div className="row" style={{ gap: 4 }}>
      {items}
    </div>
  ) : (
    <span className="badge ok">ok</span>
  );
}

function CreateClusterDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [driftPolicy, setDriftPolicy] = useState<'enforce' | 'report'>('enforce');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const createCluster = useCreateCluster();
  const toast = useToast();
  const router = useRouter();
  const at = (p: string) => issuesAt(error, p);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const c = await createCluster.mutateAsync({ name, description, driftPolicy });
      toast.show('ok', `Cluster ${c.name} created`, 'Register its directors next.');
      onClose();
      router.push(`/clusters/${encodeURIComponent(c.name)}/directors`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={onClose} title="New cluster">
      <form onSubmit={submit} className="stack" noValidate>
        <Field label="Name" errors={at('name')} help="lowercase letters, digits and -, e.g. web-eu1">
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} autoFocus spellCheck={false} />
        </Field>
        <Field label="Description" errors={at('description')}>
          <input type="text" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Drift policy" errors={at('driftPolicy')} help="what agents do when someone changes the table by hand">
          <select value={driftPolicy} onChange={(e) => setDriftPolicy(e.target.value as 'enforce' | 'report')}>
            <option value="enforce">enforce — re-apply the desired revision</option>
            <option value="report">report — leave it and flag the drift</option>
          </select>
        </Field>
        <FormActions error={error} onCancel={onClose} submitLabel="Create" disabled={busy} />
      </form>
    </Dialog>
  );
}
