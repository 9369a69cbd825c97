'use client';
// A cluster's high availability: who holds each VIP (from the directors' HA reports), split brain
// and orphan VIPs, each director's VRRP and sync-daemon state, and the failover timeline. In the
// demo, a button fails the VIPs over to the other simulated director.
import type { HaView, VipOwnershipView } from '@/lib/api/schemas';
import { useClusterHa } from '../data/queries';
import { useDemoFailover } from '../data/mutations';
import { ago } from '../format';
import { Can } from '../session';
import { QueryState } from '../ui/states';
import { DataTable, type Column } from '../ui/table';
import { useAttempt, useToast } from '../ui/toast';
import { HaFacts } from './HaFacts';

const STATE_BADGE: Record<VipOwnershipView['state'], { tone: string; label: string }> = {
  owned: { tone: 'ok', label: 'owned' },
  split_brain: { tone: 'bad', label: 'split brain' },
  orphan: { tone: 'bad', label: 'orphan' },
  unknown: { tone: 'info', label: 'unknown' },
};

const VIP_COLUMNS: Column<VipOwnershipView>[] = [
  { header: 'VIP', className: 'mono', cell: (v) => v.vip },
  { header: 'State', cell: (v) => <span className={`badge ${STATE_BADGE[v.state].tone}`}>{STATE_BADGE[v.state].label}</span> },
  { header: 'Owner', className: 'mono', td: () => ({ 'data-testid': 'ha-vip-owner' }), cell: (v) => (v.owners.length ? v.owners.join(', ') : v.state === 'unknown' ? '–' : 'none') },
  { header: 'Since', className: 'small', cell: (v) => (v.since ? ago(v.since) : '–') },
  { header: 'Reporting', className: 'small muted', cell: (v) => (v.reporting.length ? v.reporting.join(', ') : 'no director reports') },
];

const FAILOVER_COLUMNS: Column<HaView['failovers'][number]>[] = [
  { header: 'When', className: 'small', td: (f) => ({ title: f.at }), cell: (f) => ago(f.at) },
  { header: 'VIP', className: 'mono', cell: (f) => f.vip },
  { header: 'From', className: 'mono', cell: (f) => f.from ?? '–' },
  {
    header: 'To',
    className: 'mono',
    cell: (f) => (
      <>
        {f.to}
        {f.failback ? <span className="badge info"> failback</span> : null}
      </>
    ),
  },
  {
    header: 'Cause',
    className: 'small',
    cell: (f) => (
      <>
        {f.cause}
        {f.warning ? (
          <div className="badge warn" role="alert" data-testid="ha-failback-warning">
            {f.warning}
          </div>
        ) : null}
      </>
    ),
  },
];

export function HaPage({ cluster }: { cluster: string }) {
  return (
    <QueryState query={useClusterHa(cluster)} errorTitle="HA">
      {(ha) => <HaOverview cluster={cluster} ha={ha} />}
    </QueryState>
  );
}

function HaOverview({ cluster, ha }: { cluster: string; ha: HaView }) {
  return (
    <div className="stack" style={{ gap: 16 }}>
      <section className="card">
        <div className="card-head">
          <h2>VIP ownership</h2>
          <span className="small muted grow">which director carries each VIP on its interfaces, as its agent reports</span>
          {ha.demoFailover ? (
            <Can role="operator">
              <DemoFailoverButton cluster={cluster} />
            </Can>
          ) : null}
        </div>
        {ha.vips.length ? (
          <DataTable bare testId="ha-vips" columns={VIP_COLUMNS} rows={ha.vips} rowKey={(v) => v.vip} rowProps={(v) => ({ 'data-testid': `ha-vip-${v.vip}`, 'data-state': v.state })} />
        ) : (
          <p className="muted small">The desired revision has no VIPs (fwmark services only, or no services).</p>
        )}
      </section>
      <section className="card">
        <h2 style={{ marginBottom: 10 }}>Directors</h2>
        <div className="grid2">
          {ha.directors.map((d) => (
            <div key={d.name} data-testid={`ha-director-${d.name}`}>
              <div className="row" style={{ gap: 8, marginBottom: 6 }}>
                <strong className="mono">{d.name}</strong>
                <span className={`badge ${d.connected ? 'ok' : 'warn'}`}>{d.connected ? 'connected' : 'disconnected'}</span>
                <span className="small muted">{d.haReportedAt ? `reported ${ago(d.haReportedAt)}` : 'no HA report yet'}</span>
              </div>
              <HaFacts ha={d.ha} />
            </div>
          ))}
        </div>
      </section>
      <FailoverTimeline failovers={ha.failovers} />
    </div>
  );
}

function FailoverTimeline({ failovers }: { failovers: HaView['failovers'] }) {
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Failover timeline</h2>
      {failovers.length ? (
        <DataTable
          bare
          testId="ha-failovers"
          columns={FAILOVER_COLUMNS}
          rows={failovers}
          rowKey={(f) => f.id}
          rowProps={(f) => ({ 'data-testid': 'ha-failover', 'data-vip': f.vip, 'data-from': f.from ?? '', 'data-to': f.to })}
        />
      ) : (
        <p className="muted small">No failover yet: every VIP has stayed with its director.</p>
      )}
    </section>
  );
}

function DemoFailoverButton({ cluster }: { cluster: string }) {
  const toast = useToast();
  const attempt = useAttempt();
  const failover = useDemoFailover(cluster);
  const run = async () => {
    await attempt('Demo failover refused', async () => {
      const r = await failover.mutateAsync();
      toast.show('ok', `Failing over from ${r.from} to ${r.to}`, 'the simulated VRRP segment elects the other director; the owner changes within seconds');
    });
  };
  return (
    <button type="button" className="btn" onClick={run} disabled={failover.isPending} data-testid="demo-failover" title="demo only: lower the master's priority on the simulated VRRP segment">
      Fail over (demo)
    </button>
  );
}
