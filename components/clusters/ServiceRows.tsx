'use client';
// The rows of the services table. Each reads its own live numbers from the table store
// (live/stats-table.ts), so a second of traffic re-renders only the rows whose numbers moved;
// everything else about a row (config, marks, reports) changes only when the config does.
import Link from 'next/link';
import { memo, type Ref } from 'react';
import { formatHostPort } from '@/lib/ipvs/addr';
import type { RealServer, VirtualService } from '@/lib/ipvs/model';
import { realServerKeyId, serverKeyId } from '@/lib/ipvs/keys';
import type { DirectorStatus } from '@/lib/api/schemas';
import { FIELD, type StatsField } from '@/lib/api/stats-fields';
import { addrLabel, ago, duration, flagsText, formatMetric, protoLabel, si } from '../format';
import { FORWARD_COLUMN } from '../ipvs-help';
import { href } from '../links';
import { useDirectorStatuses } from '../live/director-status';
import { useStatsRow, useTableMeta, useTableOld, type LiveTable } from '../live/stats-table';
import { useNow } from '../ui/hooks';
import { HealthBadge, DrainBar } from '../service-editor/RealServerLive';
import { realServerState, rsRef, upCount, type RsReports } from './live-index';
import styles from './cluster.module.css';

export type Mark = 'added' | 'edited' | 'removed' | undefined;
export type ServiceItem = { s: VirtualService; key: string; mark: Mark };

/** The numbers of a row (or – before any arrived) as the table's last five columns. */
function LiveCells({ live, k }: { live: LiveTable; k: string }) {
  const v = useStatsRow(live, k);
  const at = (f: StatsField) => v?.[FIELD[f]];
  const show = (f: StatsField, fmt: (n: number) => string) => {
    const n = at(f);
    return n === undefined ? '–' : fmt(n);
  };
  const bits = (n: number) => formatMetric(n * 8, 'bits');
  const persist = at('persistConns');
  return (
    <>
      <td className="num" title={persist ? `${persist} persistence templates (PersistConn)` : undefined}>
        {show('activeConns', si)}
      </td>
      <td className="num">{show('inactConns', si)}</td>
      <td className="num">{show('cps', si)}</td>
      <td className="num">{show('inbps', bits)}</td>
      <td className="num">{show('outbps', bits)}</td>
    </>
  );
}

type ServiceRowProps = {
  index: number;
  rowRef?: Ref<HTMLTableRowElement>;
  cluster: string;
  item: ServiceItem;
  open: boolean;
  onToggle: (k: string) => void;
  reports: Map<string, RsReports>;
  live: LiveTable;
  canEdit: boolean;
  onRemove: (k: string) => void;
  /** why the row's numbers are stale (useStaleness, read once by the table), or '' */
  stale: string;
};

export const ServiceRow = memo(function ServiceRow({ index, rowRef, cluster, item, open, onToggle, reports, live, canEdit, onRemove, stale }: ServiceRowProps) {
  const { s, key, mark } = item;
  const cls = mark === 'added' ? styles.added : mark === 'edited' ? styles.edited : mark === 'removed' ? styles.removed : '';
  const u = upCount(s, reports);
  return (
    <tr ref={rowRef} data-index={index} className={`${styles.svcRow} ${cls}`} data-testid="service-row" data-key={key}>
      <td>
        <button type="button" data-nav className={styles.expander} aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${addrLabel(s)}`} onClick={() => onToggle(key)}>
          {open ? '▼' : '▶'}
        </button>
      </td>
      <td>{protoLabel(s)}</td>
      <td>
        <Link href={href.service(cluster, key)} className={styles.key} prefetch={false} title={addrLabel(s)}>
          {addrLabel(s)}
        </Link>
        {mark ? (
          <span className={`badge ${mark === 'removed' ? 'bad' : mark === 'added' ? 'ok' : 'warn'}`} style={{ marginLeft: 8 }}>
            {mark}, not applied
          </span>
        ) : null}
        {stale ? <StaleMark text={stale} /> : null}
      </td>
      <td>{s.scheduler}</td>
      <td className="small" title={s.persistence ? `persistence ${duration(s.persistence.timeout)}` : undefined}>
        {flagsText(s) || <span className="faint">—</span>}
      </td>
      <td className="num">
        <span className={u.problems ? 'bad-text' : u.up < u.total ? 'warn-text' : u.total === 0 ? 'faint' : ''}>
          {u.up}/{u.total}
        </span>
      </td>
      <LiveCells live={live} k={key} />
      <td className="right nowrap">
        <Link href={href.service(cluster, key)} className="btn small ghost" prefetch={false}>
          {canEdit ? 'Edit' : 'View'}
        </Link>
        {canEdit && mark !== 'removed' ? (
          <button type="button" className="btn small ghost" onClick={() => onRemove(key)} aria-label={`Remove ${addrLabel(s)}`} title="Mark for removal (applied through Review & apply)">
            ✕
          </button>
        ) : null}
      </td>
    </tr>
  );
});

type RealServerLineProps = { index: number; rowRef?: Ref<HTMLTableRowElement>; s: VirtualService; skey: string; r: RealServer | null; reports: Map<string, RsReports>; live: LiveTable };

/** One real server under its open service (r null: the service has none). */
export const RealServerLine = memo(function RealServerLine({ index, rowRef, s, skey, r, reports, live }: RealServerLineProps) {
  if (!r) {
    return (
      <tr ref={rowRef} data-index={index} className={styles.rsRow}>
        <td />
        <td colSpan={11} className="faint">
          no real servers — new connections are dropped
        </td>
      </tr>
    );
  }
  const rep = reports.get(rsRef(skey, r));
  const st = realServerState(r, rep);
  // the kernel reports a port-less server with the service's port (0 under a fwmark)
  const liveKey = serverKeyId(skey, realServerKeyId({ address: r.address, port: r.port ?? (s.protocol === 'fwmark' ? 0 : s.port) }));
  return (
    <tr ref={rowRef} data-index={index} className={styles.rsRow} data-testid="rs-line">
      <td aria-hidden="true">→</td>
      <td>{FORWARD_COLUMN[r.forwarding]}</td>
      <td>{formatHostPort(r.address, r.port ?? 0)}</td>
      <td title="weight">w {r.weight}</td>
      <td colSpan={2} className={styles.stateCell}>
        <div className="row" style={{ gap: 6 }}>
          <span className={`badge ${st === 'up' ? 'ok' : st === 'down' ? 'bad' : 'warn'}`}>{st}</span>
          {rep?.health ? <HealthBadge health={rep.health} /> : null}
          {rep?.drain ? <DrainBar drain={rep.drain} /> : null}
          {r.upperThreshold || r.lowerThreshold ? (
            <span className="small faint">
              -x {r.upperThreshold} -y {r.lowerThreshold}
            </span>
          ) : null}
        </div>
      </td>
      <LiveCells live={live} k={liveKey} />
      <td />
    </tr>
  );
});

export const STALE_AFTER_MS = 10_000;

/** The directors whose numbers are missing from the sums (the server marks them statsStale). */
export function silentDirectors(dirs: readonly DirectorStatus[]): DirectorStatus[] {
  return dirs.filter((d) => !d.revoked && d.state !== 'never-connected' && d.statsStale);
}

/** Why the rows' numbers are stale, without a clock (rows re-render only when it changes), or ''. */
export function useRowsStale(cluster: string, live: LiveTable): string {
  const old = useTableOld(live, STALE_AFTER_MS);
  const silent = silentDirectors(useDirectorStatuses(cluster));
  if (silent.length) return `no numbers from ${silent.map((d) => d.name).join(', ')}`;
  return old ? 'the numbers are old' : '';
}

/** The toolbar's staleness badge: which directors' numbers are missing now, and for how long. */
export function TableStaleBadge({ cluster, live }: { cluster: string; live: LiveTable }) {
  const meta = useTableMeta(live);
  const dirs = useDirectorStatuses(cluster);
  const now = useNow(1000);
  const silent = silentDirectors(dirs);
  const tableOld = meta.received && now !== null && (meta.t === null || now - meta.t > STALE_AFTER_MS);
  if (!silent.length && !tableOld) return null;
  const since = (at: string | number | null) => (at !== null && now !== null ? ago(at, now).replace(' ago', '') : 'ever');
  const text = silent.length ? `no numbers from ${silent.map((d) => `${d.name} (${since(d.statsAt)})`).join(', ')}` : `numbers ${since(meta.t)} old`;
  return (
    <span className="badge warn" data-testid="table-stale" title={text}>
      {text}
    </span>
  );
}

/** The per-service staleness badge: the row's numbers leave out a silent director (or all are old). */
function StaleMark({ text }: { text: string }) {
  return (
    <span className="badge warn" style={{ marginLeft: 8 }} data-testid="service-stale" title={text}>
      stale
    </span>
  );
}
