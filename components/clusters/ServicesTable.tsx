'use client';
// The cluster's virtual services, read like `ipvsadm -Ln`: protocol, VIP:port or FWM, scheduler
// and flags, persistence, real servers up/total, ActiveConn/InActConn and new connections/s live
// (summed over the cluster's directors). Rows expand into their real servers. The numbers of every
// row come from one uncapped "current" request a second (the charts' stream keeps only the
// busiest 50 services, which suits a legend, not a table).
import Link from 'next/link';
import { memo, startTransition, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { formatHostPort } from '@/lib/ipvs/addr';
import { type DirectorConfig, type RealServer, type VirtualService } from '@/lib/ipvs/model';
import { realServerKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { CurrentValues } from '@/lib/api/schemas';
import { applyChanges, editsToChanges, type Edits } from '@/lib/api/changes';
import { useDraft } from '../changes/draft-store';
import { useCluster, useCurrentStats } from '../data/queries';
import { addrLabel, duration, flagsText, formatMetric, protoLabel, si } from '../format';
import { FORWARD_COLUMN } from '../ipvs-help';
import { href } from '../links';
import { Can, useSession } from '../session';
import { HealthBadge, DrainBar } from '../service-editor/RealServerLive';
import { Empty, ErrorState, Loading } from '../ui/states';
import { indexReports, realServerState, rsRef, upCount, type RsReports } from './live-index';
import styles from './cluster.module.css';

type Mark = 'added' | 'edited' | 'removed' | undefined;

const FIRST_PAINT_ROWS = 120;
/** positions in a CurrentValues tuple (CURRENT_STATS_FIELDS) */
const ACTIVE = 0;
const INACT = 1;
const PERSIST = 2;
const CPS = 3;
const INBPS = 6;
const OUTBPS = 7;

export function ServicesTable({ cluster }: { cluster: string }) {
  const c = useCluster(cluster);
  const { draft, setEdit } = useDraft(cluster);
  const { can } = useSession();
  const [search, setSearch] = useState('');
  const [proto, setProto] = useState('all');
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const q = useDeferredValue(search.trim().toLowerCase());

  // the cluster detail carries each director's status, health checks and drains: no second request
  const directors = c.data?.directors;
  // per-real-server numbers only while some row is open: ten times less to send for a closed table
  const live = useCurrentStats(cluster, expanded.size > 0, { enabled: !!c.data });
  const liveServices = live.data?.services;
  const liveServers = expanded.size > 0 ? live.data?.realServers : undefined;
  const reports = useMemo(() => indexReports(directors ?? []), [directors]);

  const rows = useMemo(() => {
    if (!c.data) return [];
    const base = c.data.config.services;
    const edits = draft?.edits ?? {};
    const baseKeys = new Set(base.map(serviceKeyId));
    const working = workingCopy(c.data.config, edits);
    const out: { s: VirtualService; key: string; mark: Mark }[] = working.map((s) => {
      const key = serviceKeyId(s);
      return { s, key, mark: key in edits ? (baseKeys.has(key) ? 'edited' : 'added') : undefined };
    });
    for (const s of base) {
      const key = serviceKeyId(s);
      if (key in edits && edits[key] === null) out.push({ s, key, mark: 'removed' });
    }
    return out;
  }, [c.data, draft]);

  const filtered = useMemo(
    () =>
      rows.filter(({ s }) => {
        if (proto !== 'all' && s.protocol !== proto) return false;
        if (problemsOnly) {
          const u = upCount(s, reports);
          if (u.up === u.total && u.total > 0) return false;
        }
        if (!q) return true;
        return searchText(s).includes(q);
      }),
    [rows, proto, problemsOnly, q, reports],
  );

  // big tables paint the first rows at once and the rest in an interruptible transition
  const [limit, setLimit] = useState(FIRST_PAINT_ROWS);
  useEffect(() => {
    if (filtered.length <= limit) return;
    const id = requestAnimationFrame(() => startTransition(() => setLimit(Number.POSITIVE_INFINITY)));
    return () => cancelAnimationFrame(id);
  }, [filtered.length, limit]);
  const visible = filtered.length > limit ? filtered.slice(0, limit) : filtered;

  if (c.isPending) return <Loading rows={6} />;
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;

  const toggle = (k: string) =>
    setExpanded((e) => {
      const n = new Set(e);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  const allOpen = filtered.length > 0 && filtered.every((r) => expanded.has(r.key));
  const baseRevision = c.data.currentRevision?.number ?? 0;

  return (
    <section aria-label="Virtual services">
      <div className={styles.toolbar}>
        <input type="search" placeholder="Search VIP, port, scheduler, real server…" aria-label="Search services" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Protocol" value={proto} onChange={(e) => setProto(e.target.value)}>
          <option value="all">All protocols</option>
          <option value="tcp">TCP</option>
          <option value="udp">UDP</option>
          <option value="sctp">SCTP</option>
          <option value="fwmark">FWM</option>
        </select>
        <label className="check">
          <input type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.target.checked)} />
          Only services with servers not taking traffic
        </label>
        <span className="small muted" data-testid="services-count">
          {filtered.length === rows.length ? `${rows.length} services` : `${filtered.length} of ${rows.length} services`}
        </span>
        <span className="grow" />
        <button type="button" className="btn small" onClick={() => setExpanded(allOpen ? new Set() : new Set(filtered.map((r) => r.key)))} disabled={!filtered.length}>
          {allOpen ? 'Collapse all' : 'Expand all'}
        </button>
        <Can role="operator">
          <Link href={href.newService(cluster)} className="btn primary small">
            New service
          </Link>
        </Can>
      </div>
      {rows.length === 0 ? (
        <div className="card">
          <Empty
            title="No virtual services"
            action={
              can('operator') ? (
                <div className="row" style={{ justifyContent: 'center' }}>
                  <Link href={href.newService(cluster)} className="btn primary">
                    New service
                  </Link>
                  <Link href={href.importExport(cluster)} className="btn">
                    Import ipvsadm-save
                  </Link>
                </div>
              ) : null
            }
          >
            This cluster’s directors run an empty IPVS table.
          </Empty>
        </div>
      ) : (
        <div className="table-wrap">
          <table className={`data ${styles.svcTable}`} data-testid="services-table">
            {/* fixed layout: column widths come from here, not from measuring 1,000 rows */}
            <colgroup>
              <col style={{ width: 32 }} />
              <col style={{ width: 60 }} />
              <col style={{ width: 180 }} />
              <col style={{ width: 100 }} />
              <col style={{ width: 150 }} />
              <col style={{ width: 80 }} />
              <col style={{ width: 104 }} />
              <col style={{ width: 104 }} />
              <col style={{ width: 76 }} />
              <col style={{ width: 104 }} />
              <col style={{ width: 104 }} />
              <col style={{ width: 92 }} />
            </colgroup>
            <thead>
              <tr>
                <th aria-label="Expand" />
                <th>Prot</th>
                <th>LocalAddress:Port</th>
                <th>Scheduler</th>
                <th>Flags</th>
                <th className="num" title="real servers taking new connections / all">Servers</th>
                <th className="num">ActiveConn</th>
                <th className="num">InActConn</th>
                <th className="num">Conn/s</th>
                <th className="num">In</th>
                <th className="num">Out</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {visible.map(({ s, key, mark }) => {
                const p = liveServices?.[key];
                const u = upCount(s, reports);
                return (
                  <ServiceRows
                    key={key}
                    cluster={cluster}
                    s={s}
                    skey={key}
                    mark={mark}
                    open={expanded.has(key)}
                    onToggle={toggle}
                    up={u.up}
                    total={u.total}
                    problems={u.problems}
                    active={p?.[ACTIVE]}
                    inact={p?.[INACT]}
                    persist={p?.[PERSIST]}
                    cps={p?.[CPS]}
                    inbps={p?.[INBPS]}
                    outbps={p?.[OUTBPS]}
                    reports={expanded.has(key) ? reports : undefined}
                    serverStats={expanded.has(key) ? (liveServers?.[key] ?? NO_SERVER_STATS) : undefined}
                    canEdit={can('operator')}
                    onRemove={() => setEdit(key, null, baseRevision)}
                  />
                );
              })}
            </tbody>
          </table>
          {filtered.length === 0 ? <Empty title="No service matches the filters" /> : null}
        </div>
      )}
    </section>
  );
}

/** The services the draft leads to; a draft that no longer applies to the base shows the base (Review says why). */
function workingCopy(base: DirectorConfig, edits: Edits): VirtualService[] {
  if (Object.keys(edits).length === 0) return base.services;
  try {
    return applyChanges(base, editsToChanges(base, edits)).services;
  } catch {
    return base.services;
  }
}

function searchText(s: VirtualService): string {
  const parts: string[] = [s.protocol, s.scheduler, ...s.schedFlags];
  if (s.protocol === 'fwmark') parts.push(`fwm ${s.fwmark}`, `fwmark ${s.fwmark}`);
  else parts.push(formatHostPort(s.address, s.port));
  for (const r of s.realServers) parts.push(formatHostPort(r.address, r.port ?? 0));
  return parts.join(' ').toLowerCase();
}

type RowProps = {
  cluster: string;
  s: VirtualService;
  skey: string;
  mark: Mark;
  open: boolean;
  onToggle: (k: string) => void;
  up: number;
  total: number;
  problems: number;
  active?: number;
  inact?: number;
  persist?: number;
  cps?: number;
  inbps?: number;
  outbps?: number;
  /** realServerKeyId -> current numbers; only for open rows, so closed rows skip re-rendering each second */
  serverStats?: Record<string, CurrentValues>;
  /** only for open rows, so closed rows skip re-rendering when reports refresh */
  reports?: Map<string, RsReports>;
  canEdit: boolean;
  onRemove: () => void;
};

// memo: with live numbers as primitives, a row re-renders only when its own numbers move
const ServiceRows = memo(function ServiceRows(p: RowProps) {
  const { s, skey, mark } = p;
  const cls = mark === 'added' ? styles.added : mark === 'edited' ? styles.edited : mark === 'removed' ? styles.removed : '';
  const num = (v: number | undefined) => (v === undefined ? '–' : si(v));
  return (
    <>
      <tr className={`${styles.svcRow} ${cls}`} data-testid="service-row" data-key={skey}>
        <td>
          <button type="button" className={styles.expander} aria-expanded={p.open} aria-label={`${p.open ? 'Collapse' : 'Expand'} ${addrLabel(s)}`} onClick={() => p.onToggle(skey)}>
            {p.open ? '▼' : '▶'}
          </button>
        </td>
        <td>{protoLabel(s)}</td>
        <td>
          <Link href={href.service(p.cluster, skey)} className={styles.key} prefetch={false} title={addrLabel(s)}>
            {addrLabel(s)}
          </Link>
          {mark ? <span className={`badge ${mark === 'removed' ? 'bad' : mark === 'added' ? 'ok' : 'warn'}`} style={{ marginLeft: 8 }}>{mark}, not applied</span> : null}
        </td>
        <td>{s.scheduler}</td>
        <td className="small" title={s.persistence ? `persistence ${duration(s.persistence.timeout)}` : undefined}>
          {flagsText(s) || <span className="faint">—</span>}
        </td>
        <td className="num">
          <span className={p.problems ? 'bad-text' : p.up < p.total ? 'warn-text' : p.total === 0 ? 'faint' : ''}>
            {p.up}/{p.total}
          </span>
        </td>
        <td className="num" title={p.persist ? `${p.persist} persistence templates (PersistConn)` : undefined}>
          {num(p.active)}
        </td>
        <td className="num">{num(p.inact)}</td>
        <td className="num">{p.cps === undefined ? '–' : si(p.cps)}</td>
        <td className="num">{p.inbps === undefined ? '–' : formatMetric(p.inbps * 8, 'bits')}</td>
        <td className="num">{p.outbps === undefined ? '–' : formatMetric(p.outbps * 8, 'bits')}</td>
        <td className="right nowrap">
          <Link href={href.service(p.cluster, skey)} className="btn small ghost" prefetch={false}>
            {p.canEdit ? 'Edit' : 'View'}
          </Link>
          {p.canEdit && mark !== 'removed' ? (
            <button type="button" className="btn small ghost" onClick={p.onRemove} aria-label={`Remove ${addrLabel(s)}`} title="Mark for removal (applied through Review & apply)">
              ✕
            </button>
          ) : null}
        </td>
      </tr>
      {p.open ? <RealServerLines s={s} skey={skey} reports={p.reports ?? new Map()} live={p.serverStats ?? NO_SERVER_STATS} /> : null}
    </>
  );
});

const NO_SERVER_STATS: Record<string, CurrentValues> = {};

function RealServerLines({ s, skey, reports, live }: { s: VirtualService; skey: string; reports: Map<string, RsReports>; live: Record<string, CurrentValues> }) {
  const rss = s.realServers as RealServer[];
  if (rss.length === 0) {
    return (
      <tr className={styles.rsRow}>
        <td />
        <td colSpan={11} className="faint">
          no real servers — new connections are dropped
        </td>
      </tr>
    );
  }
  return (
    <>
      {rss.map((r) => {
        const rk = `${r.address}|${r.port ?? 0}`;
        const rep = reports.get(rsRef(skey, r));
        const st = realServerState(r, rep);
        // the kernel reports a port-less server with the service's port (0 under a fwmark)
        const p = live[realServerKeyId({ address: r.address, port: r.port ?? (s.protocol === 'fwmark' ? 0 : s.port) })];
        return (
          <tr key={rk} className={styles.rsRow} data-testid="rs-line">
            <td>→</td>
            <td>{FORWARD_COLUMN[r.forwarding]}</td>
            <td>{formatHostPort(r.address, r.port ?? 0)}</td>
            <td title="weight">w {r.weight}</td>
            <td colSpan={2} className={styles.stateCell}>
              <div className="row" style={{ gap: 6 }}>
                <span className={`badge ${st === 'up' ? 'ok' : st === 'down' ? 'bad' : 'warn'}`}>{st}</span>
                {rep?.health ? <HealthBadge health={rep.health} /> : null}
                {rep?.drain ? <DrainBar drain={rep.drain} /> : null}
                {r.upperThreshold || r.lowerThreshold ? <span className="small faint">-x {r.upperThreshold} -y {r.lowerThreshold}</span> : null}
              </div>
            </td>
            <td className="num" title={p?.[PERSIST] ? `${p[PERSIST]} persistence templates (PersistConn)` : undefined}>
              {p ? si(p[ACTIVE]) : '–'}
            </td>
            <td className="num">{p ? si(p[INACT]) : '–'}</td>
            <td className="num">{p ? si(p[CPS]) : '–'}</td>
            <td className="num">{p ? formatMetric(p[INBPS] * 8, 'bits') : '–'}</td>
            <td className="num">{p ? formatMetric(p[OUTBPS] * 8, 'bits') : '–'}</td>
            <td />
          </tr>
        );
      })}
    </>
  );
}
