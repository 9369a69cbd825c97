'use client';
// The read-only cards of a director's page: facts, revisions, the last failed apply, what it
// would run now, and its real servers' health and drains.
import type { DirectorDetail } from '@/lib/api/schemas';
import { haFactRows } from '../ha/HaFacts';
import { realServerLabel, serviceLabel } from '@/lib/ipvs/model';
import { sysctlsToConf } from '@/lib/ipvs/sysctls';
import { useDirectorPlan } from '../data/queries';
import { ago, dateTime, engineLabel } from '../format';
import { DrainBar, HealthBadge } from '../service-editor/RealServerLive';
import { CommandLines } from '../ui/commands';
import { Loading, QueryState } from '../ui/states';
import { DataTable, type Column } from '../ui/table';
import { FactList, type Fact } from '../ui/facts';

export function Facts({ d }: { d: DirectorDetail }) {
  const f = d.facts;
  const rows: Fact[] = [
    ['Connection', d.connected ? <span className="ok-text">connected{d.connectedAt ? ` since ${ago(d.connectedAt)}` : ''}</span> : `last seen ${ago(d.lastSeenAt)}`],
    ['Agent', d.agentVersion ? `lvs-agent ${d.agentVersion} (${engineLabel(d.engine)})` : '–'],
    ['Host', f?.hostname ?? '–'],
    ['Kernel', f?.kernel ?? '–'],
    ['IPVS', f ? `${f.ipvsVersion} (size=${f.connTableSize})` : '–'],
    ['ipvsadm', f ? (f.ipvsadmVersion ?? 'not used') : '–'],
    ['Schedulers', f ? <span className="mono small">{f.schedulers.join(' ')}</span> : '–'],
    ...haFactRows(d.ha),
    // live values from the last report of its table; the facts' copy is from when the agent started
    [
      'IPVS sysctls',
      (d.actual?.globals.sysctls ?? f?.sysctls) ? (
        <details key="s" data-testid="director-sysctls">
          <summary className="small">net.ipv4.vs.* ({Object.keys(d.actual?.globals.sysctls ?? f?.sysctls ?? {}).length})</summary>
          <pre className="cmd small">{sysctlsToConf(d.actual?.globals.sysctls ?? f!.sysctls!)}</pre>
        </details>
      ) : (
        '–'
      ),
    ],
    [
      'Token',
      <span key="t" className="mono small">
        {d.tokenPrefix}…{d.revoked ? ' (revoked)' : ''}
      </span>,
    ],
  ];
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Facts</h2>
      <FactList facts={rows} labelWidth={110} compact />
    </section>
  );
}

export function Revisions({ d }: { d: DirectorDetail }) {
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Revisions</h2>
      <div className="row" style={{ gap: 24 }}>
        <div>
          <div className="small muted">Applied</div>
          <div style={{ fontSize: 22, fontWeight: 600 }} data-testid="director-applied">
            r{d.appliedRevision ?? '–'}
          </div>
          <div className="small faint">{d.appliedAt ? dateTime(d.appliedAt) : 'never'}</div>
        </div>
        <div>
          <div className="small muted">Desired</div>
          <div style={{ fontSize: 22, fontWeight: 600 }}>r{d.desiredRevision ?? '–'}</div>
        </div>
        <div>{d.inSync ? <span className="badge ok">in sync</span> : <span className="badge warn">not in sync</span>}</div>
      </div>
      {d.appliedHash ? (
        <div className="small faint mono" style={{ marginTop: 8, overflowWrap: 'anywhere' }}>
          {d.appliedHash}
        </div>
      ) : null}
    </section>
  );
}

export function LastError({ d }: { d: DirectorDetail }) {
  const e = d.lastError!;
  return (
    <section className={`notice ${d.state === 'failed' ? 'bad' : ''}`} data-testid="last-error">
      <strong>Last failed apply: r{e.revision}</strong> <span className="small muted">({ago(e.at)})</span>
      <div className="mono small" style={{ marginTop: 6 }}>
        ipvsadm: {e.message}
        {e.exitCode !== null ? ` (exit ${e.exitCode})` : ''}
      </div>
      <pre className="cmd" style={{ marginTop: 6 }}>
        <span className="prompt"># </span>
        {e.command}
      </pre>
      <div className="small muted" style={{ marginTop: 6 }}>
        {e.opsApplied} command{e.opsApplied === 1 ? '' : 's'} before it took effect.{' '}
        {d.state === 'failed' ? `The director keeps running r${d.appliedRevision ?? '–'} and retries with backoff.` : 'A later apply succeeded.'}
      </div>
    </section>
  );
}

export function PlanNow({ cluster, name }: { cluster: string; name: string }) {
  const q = useDirectorPlan(cluster, name, { refetchInterval: 5000 });
  return (
    <section className="card">
      <div className="card-head">
        <h2>What it would run now</h2>
        <span className="small muted">desired revision vs its last reported live table</span>
      </div>
      <QueryState
        query={q}
        loading={<Loading />}
        isEmpty={(plan) => plan.commands.length === 0}
        empty={
          <p className="small ok-text" style={{ margin: 0 }}>
            Nothing: the live table matches the desired revision.
          </p>
        }
      >
        {(plan) => <CommandLines lines={plan.commands} />}
      </QueryState>
    </section>
  );
}

type HealthRow = { key: string; service: Health['service']; server: Health['server']; health?: Health; drain?: Drain };
type Health = DirectorDetail['health'][number];
type Drain = DirectorDetail['drains'][number];

const rsLabel = (x: { service: Health['service']; server: Health['server'] }) => `${serviceLabel(x.service)}>${realServerLabel(x.server)}`;

/** One row per checked server (with its drain, if any), then one per drain of an unchecked server. */
function healthRows(d: DirectorDetail): HealthRow[] {
  const checked = new Set(d.health.map(rsLabel));
  return [
    ...d.health.map((h) => ({ key: rsLabel(h), service: h.service, server: h.server, health: h, drain: d.drains.find((x) => rsLabel(x) === rsLabel(h)) })),
    ...d.drains.filter((x) => !checked.has(rsLabel(x))).map((x) => ({ key: `drain:${rsLabel(x)}`, service: x.service, server: x.server, drain: x })),
  ];
}

const HEALTH_COLUMNS: Column<HealthRow>[] = [
  { header: 'Service', className: 'mono', cell: (r) => serviceLabel(r.service) },
  { header: 'Real server', className: 'mono', cell: (r) => realServerLabel(r.server) },
  { header: 'Health', td: (r) => (r.health ? {} : { className: 'faint' }), cell: (r) => (r.health ? <HealthBadge health={r.health} /> : 'no check') },
  { header: 'Since', td: (r) => (r.health ? { className: 'small' } : {}), cell: (r) => (r.health ? ago(r.health.since) : null) },
  { header: 'Drain', cell: (r) => (r.drain ? <DrainBar drain={r.drain} /> : null) },
];

export function HealthAndDrains({ d }: { d: DirectorDetail }) {
  if (!d.health.length && !d.drains.length) return null;
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Real server health and drains</h2>
      <DataTable columns={HEALTH_COLUMNS} rows={healthRows(d)} rowKey={(r) => r.key} />
    </section>
  );
}
