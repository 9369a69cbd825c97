'use client';
// One virtual service: the editor for operators (changes go to the cluster's pending change set,
// then Review & apply), a read-only view for viewers, and its live charts per real server.
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { formatHostPort } from '@/lib/ipvs/addr';
import { serviceLabel, type RealServer, type VirtualService } from '@/lib/ipvs/model';
import { realServerKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import { StatsChart } from '../charts/StatsChart';
import { addrLabel, flagsText, protoLabel } from '../format';
import { indexReports, realServerState, rsRef } from '../clusters/live-index';
import { useDraft } from '../changes/draft-store';
import { useCluster, useDirectors } from '../data/queries';
import { duration, si } from '../format';
import { FORWARDING_HELP, SCHEDULER_HELP } from '../ipvs-help';
import { href } from '../links';
import { useLatestByKey } from '../live/useLatestByKey';
import { useSession } from '../session';
import { EmptyCard, ErrorState, Loading } from '../ui/states';
import { BackToServices } from '../clusters/BackToServices';
import { FactList, type Fact } from '../ui/facts';
import { DataTable, type Column } from '../ui/table';
import { useToast } from '../ui/toast';
import { formFromService, emptyServiceForm, emptyRealServer } from './form';
import { DrainBar, HealthBadge, type RealServerLiveInfo } from './RealServerLive';
import { ServiceEditor } from './ServiceEditor';
import { QuiescentTemplateNotice } from './QuiescentTemplateNotice';
import { GuardedServers } from './GuardedServers';
import { ServiceTimeline } from './ServiceTimeline';
import { ServiceMissingScripts } from './MissingScripts';

export function ServicePage({ cluster, serviceKey }: { cluster: string; serviceKey: string | null }) {
  const c = useCluster(cluster);
  const dirs = useDirectors(cluster);
  const { draft, setEdit, dropEdit } = useDraft(cluster);
  const { can } = useSession();
  const router = useRouter();
  const toast = useToast();
  const creating = serviceKey === null;
  const liveStats = useLatestByKey(
    cluster,
    useMemo(() => (serviceKey ? [{ service: serviceKey }] : []), [serviceKey]),
    { enabled: !creating, maxStreams: 1 },
  );
  const reports = useMemo(() => indexReports(dirs.data?.directors ?? []), [dirs.data]);
  // the form follows new revisions (a finished drain removes its server) until the admin types
  const rev = c.data?.currentRevision?.number ?? 0;
  // the revision the form was pinned to by the admin's first keystroke; null = follow the newest
  const [pinnedRev, setPinnedRev] = useState<number | null>(null);
  const formRev = pinnedRev ?? rev;
  const drainReports = useMemo(
    () => (dirs.data?.directors ?? []).flatMap((d) => (d.revoked ? [] : d.drains.filter((x) => serviceKeyId(x.service) === serviceKey).map((x) => ({ director: d.name, drain: x })))),
    [dirs.data, serviceKey],
  );

  const current = useMemo(() => (c.data && serviceKey ? (c.data.config.services.find((s) => serviceKeyId(s) === serviceKey) ?? null) : null), [c.data, serviceKey]);
  const pending = serviceKey && draft && serviceKey in draft.edits ? draft.edits[serviceKey] : undefined;

  const live = useMemo(() => {
    const m = new Map<string, RealServerLiveInfo>();
    if (!current || !serviceKey) return m;
    for (const r of current.realServers as RealServer[]) {
      const k = realServerKeyId(r);
      const rep = reports.get(rsRef(serviceKey, r));
      const p = liveStats.byKey.get(k);
      m.set(k, { health: rep?.health, drain: rep?.drain, stats: p ? { activeConns: p.activeConns, inactConns: p.inactConns, persistConns: 0, cps: p.cps } : undefined });
    }
    return m;
  }, [current, serviceKey, reports, liveStats]);

  if (c.isPending) return <Loading rows={8} />;
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (!creating && !current && !pending) {
    return (
      <EmptyCard title="No such service" action={<BackToServices cluster={cluster} />}>
        {serviceKey} is not in the desired config (r{c.data.currentRevision?.number ?? '–'}).
      </EmptyCard>
    );
  }
  const baseRevision = c.data.currentRevision?.number ?? 0;
  const editable = can('operator');
  const shown: VirtualService | null = pending === undefined ? current : pending;
  const initial = shown ? formFromService(shown) : { ...emptyServiceForm(), realServers: [emptyRealServer()] };
  const title = creating ? 'New virtual service' : shown ? serviceLabel(shown) : serviceLabel(current!);

  const existing = new Set(c.data.config.services.map(serviceKeyId));
  const onSubmit = (svc: VirtualService, _input: unknown, via: 'primary' | 'secondary') => {
    const key = serviceKeyId(svc);
    if (creating && (existing.has(key) || (draft && draft.edits[key]))) {
      toast.show('bad', `${serviceLabel(svc)} already exists`, 'Edit that service instead, or pick another VIP:port / mark.');
      return;
    }
    setEdit(key, svc, baseRevision);
    if (via === 'secondary') {
      toast.show('ok', `${serviceLabel(svc)} added to the pending changes`, 'Nothing reaches a director until you review and apply.');
      router.push(href.cluster(cluster));
    } else {
      router.push(href.review(cluster));
    }
  };

  return (
    <div className="stack" style={{ gap: 16 }}>
      <div className="row">
        <h2 className="grow" data-testid="service-title">
          {title}
          {pending !== undefined ? (
            <span className="badge warn" style={{ marginLeft: 8 }}>
              {pending === null ? 'removal pending' : 'edited, not applied'}
            </span>
          ) : null}
        </h2>
        {editable && !creating && pending !== undefined ? (
          <button type="button" className="btn small" onClick={() => dropEdit(serviceKey!)}>
            Discard pending edit
          </button>
        ) : null}
        {editable && !creating && current && pending !== null ? (
          <button
            type="button"
            className="btn small danger"
            onClick={() => {
              setEdit(serviceKey!, null, baseRevision);
              router.push(href.review(cluster));
            }}
          >
            Remove service…
          </button>
        ) : null}
      </div>
      {rev !== formRev ? (
        <div className="notice warn" role="status">
          r{rev} was applied while you were editing; this form still shows r{formRev}. Your change will be reviewed against the newest revision.{' '}
          <button type="button" className="btn small" onClick={() => setPinnedRev(null)}>
            Discard my edits and reload
          </button>
        </div>
      ) : null}
      {shown ? <ServiceMissingScripts service={shown} directors={dirs.data?.directors ?? []} /> : null}
      {drainReports.length ? (
        <section className="card" aria-label="Drains" data-testid="drains">
          <h3 style={{ marginBottom: 8 }}>Draining real servers</h3>
          <div className="stack" style={{ gap: 8 }}>
            {drainReports.map(({ director, drain }) => (
              <div key={`${director}:${drain.server.address}:${drain.server.port}`} className="row" style={{ gap: 12 }}>
                <code style={{ minWidth: 150 }}>{formatHostPort(drain.server.address, drain.server.port)}</code>
                <span className="small muted" style={{ minWidth: 60 }}>
                  {director}
                </span>
                <div className="grow">
                  <DrainBar drain={drain} />
                </div>
              </div>
            ))}
          </div>
        </section>
      ) : null}
      {current ? <GuardedServers service={current} directors={dirs.data?.directors ?? []} /> : null}
      {!creating ? (
        <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 3fr) minmax(280px, 2fr)', gap: 16, alignItems: 'start' }}>
          <StatsChart cluster={cluster} scope={{ service: serviceKey! }} breakdownLabel="real server" title="Service traffic" height={240} />
          <ServiceTimeline cluster={cluster} service={serviceKey!} />
        </div>
      ) : null}
      <div className="card">
        {editable && pending !== null ? (
          <ServiceEditor
            key={`${serviceKey ?? 'new'}:${pending === undefined ? `r${formRev}` : 'pending'}`}
            onDirty={() => setPinnedRev((p) => p ?? rev)}
            initial={initial}
            mode={creating ? 'create' : 'edit'}
            live={live}
            submitLabel="Review & apply"
            secondaryLabel="Add to change set"
            onSubmit={onSubmit}
            onCancel={() => router.push(href.cluster(cluster))}
            notices={(f) => <QuiescentTemplateNotice cluster={cluster} persistent={f.persistent} quiescing={f.realServers.some((r) => r.drain || r.weight.trim() === '0')} editable={editable} />}
          />
        ) : shown ? (
          <ServiceDetails s={shown} live={live} />
        ) : (
          <p className="muted">This service will be removed when the pending change set is applied.</p>
        )}
      </div>
    </div>
  );
}

/** Read-only view of a service (viewers, or a service pending removal). */
export function ServiceDetails({ s, live }: { s: VirtualService; live: Map<string, RealServerLiveInfo> }) {
  const rows: Fact[] = [
    ['Protocol', protoLabel(s)],
    [s.protocol === 'fwmark' ? 'Firewall mark' : 'Virtual address', <code key="a">{addrLabel(s)}</code>],
    [
      'Scheduler',
      <span key="s">
        <code>{s.scheduler}</code> — {SCHEDULER_HELP[s.scheduler].help}
      </span>,
    ],
    ['Flags', flagsText(s) || '—'],
    ['Persistence', s.persistence ? `${duration(s.persistence.timeout)}${s.persistence.netmask ? `, mask ${s.persistence.netmask}` : ''}${s.persistence.pe ? `, pe ${s.persistence.pe}` : ''}` : 'off'],
    [
      'Health check',
      s.healthCheck
        ? `${s.healthCheck.type}${s.healthCheck.type !== 'tcp' ? ` ${s.healthCheck.path} → ${s.healthCheck.expectStatus}` : ''} every ${s.healthCheck.interval} s, rise ${s.healthCheck.rise}, fall ${s.healthCheck.fall}, on failure ${s.healthCheck.onFailure}`
        : 'none',
    ],
  ];
  return (
    <div className="stack">
      <FactList facts={rows} labelWidth={160} />
      <h3>Real servers</h3>
      {s.realServers.length === 0 ? <p className="muted">None.</p> : <DataTable columns={realServerColumns(live)} rows={s.realServers as RealServer[]} rowKey={realServerKeyId} />}
    </div>
  );
}

/** The desired real servers with what their directors report of them. */
function realServerColumns(live: Map<string, RealServerLiveInfo>): Column<RealServer>[] {
  const stats = (r: RealServer) => live.get(realServerKeyId(r))?.stats;
  return [
    { header: 'RemoteAddress:Port', className: 'mono', cell: (r) => formatHostPort(r.address, r.port ?? 0) },
    { header: 'Forward', td: (r) => ({ title: FORWARDING_HELP[r.forwarding].help }), cell: (r) => FORWARDING_HELP[r.forwarding].name },
    { header: 'Weight', num: true, cell: (r) => r.weight },
    {
      header: '-x / -y',
      num: true,
      cell: (r) => (
        <>
          {r.upperThreshold} / {r.lowerThreshold}
        </>
      ),
    },
    { header: 'State', cell: (r) => <RealServerStateCell info={live.get(realServerKeyId(r))} r={r} /> },
    { header: 'ActiveConn', num: true, cell: (r) => (stats(r) ? si(stats(r)!.activeConns) : '–') },
    { header: 'InActConn', num: true, cell: (r) => (stats(r) ? si(stats(r)!.inactConns) : '–') },
  ];
}

function RealServerStateCell({ r, info }: { r: RealServer; info: RealServerLiveInfo | undefined }) {
  const st = realServerState(r, info ? { healthBy: [], health: info.health, drain: info.drain } : undefined);
  return (
    <div className="row" style={{ gap: 6 }}>
      <span className={`badge ${st === 'up' ? 'ok' : st === 'down' ? 'bad' : 'warn'}`}>{st}</span>
      <HealthBadge health={info?.health} />
      {info?.drain ? <DrainBar drain={info.drain} /> : null}
    </div>
  );
}
