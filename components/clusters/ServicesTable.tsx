'use client';
// The cluster's virtual services, read like `ipvsadm -Ln`: protocol, VIP:port or FWM, scheduler
// and flags, persistence, real servers up/total, ActiveConn/InActConn and new connections/s live
// (summed over the cluster's directors). Rows expand into their real servers.
//
// Built for 10,000 services: only the rows on screen are in the DOM (react-virtual, in a scroll
// box under a sticky header; arrow keys move between rows), live numbers reach each row on its
// own (ServiceRows.tsx), and search runs over an index built once per config (service-search.ts).
import Link from 'next/link';
import { useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { DirectorConfig, RealServer, VirtualService } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { applyChanges, editsToChanges, type Edits } from '@/lib/api/changes';
import { useDraft } from '../changes/draft-store';
import { useCluster, useClusterHead } from '../data/queries';
import { href } from '../links';
import { useDirectorStatuses } from '../live/director-status';
import { useLiveTable } from '../live/stats-table';
import { Can, useSession } from '../session';
import { useIdleWork } from '../ui/hooks';
import { Empty, ErrorState, Loading } from '../ui/states';
import { indexReports, upCount } from './live-index';
import { RealServerLine, ServiceRow, TableStaleBadge, useRowsStale, type ServiceItem } from './ServiceRows';
import { ServiceSearch } from './service-search';
import styles from './cluster.module.css';

/** A line of the table: a service, or one of the real servers of an open service. */
type Line = { kind: 'service'; item: ServiceItem } | { kind: 'server'; item: ServiceItem; r: RealServer | null; n: number };
/** every line has this height (cluster.module.css): measuring 10,000 rows as they scroll in made React loop */
const ROW_HEIGHT = 33;

export function ServicesTable({ cluster }: { cluster: string }) {
  const c = useCluster(cluster);
  // the first rows paint from the cluster's first services while the whole config loads
  const head = useClusterHead(cluster, c.isPending);
  const detail = c.data ?? head.data;
  const partial = !c.data;
  const { draft, setEdit } = useDraft(cluster);
  const { can } = useSession();
  const [search, setSearch] = useState('');
  const [proto, setProto] = useState('all');
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const q = useDeferredValue(search);
  // real servers' numbers only while some row is open: the stream then carries their rows too
  const live = useLiveTable(cluster, expanded.size > 0 ? 'all' : 'services');

  // health checks and drains from the one director-status store (the cluster detail until it has them)
  const statuses = useDirectorStatuses(cluster);
  const directors = statuses.length ? statuses : detail?.directors;
  const reports = useMemo(() => indexReports(directors ?? []), [directors]);
  const config = detail?.config;
  // a draft's edits are shown on the whole config only (they may name any service)
  const edits = partial ? undefined : draft?.edits;
  const rows = useMemo(() => (config ? serviceItems(config, edits ?? {}) : []), [config, edits]);
  // the search index belongs to the config alone, built in idle slices after the first paint
  const searcher = useMemo(() => new ServiceSearch(rows), [rows]);
  useIdleWork(useCallback((outOfTime: () => boolean) => searcher.indexSome(outOfTime), [searcher]));
  const hasProblem = useCallback(
    ({ s }: ServiceItem) => {
      const u = upCount(s, reports);
      return !(u.up === u.total && u.total > 0);
    },
    [reports],
  );
  const filtered = useMemo(() => searcher.filter({ q, proto, problemsOnly }, hasProblem), [searcher, q, proto, problemsOnly, hasProblem]);
  const lines = useMemo(() => toLines(filtered, expanded), [filtered, expanded]);

  const toggle = useCallback(
    (k: string) =>
      setExpanded((e) => {
        const n = new Set(e);
        if (n.has(k)) n.delete(k);
        else n.add(k);
        return n;
      }),
    [],
  );
  const baseRevision = detail?.currentRevision?.number ?? 0;
  const remove = useCallback((k: string) => setEdit(k, null, baseRevision), [setEdit, baseRevision]);
  const stale = useRowsStale(cluster, live);

  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (!detail) return <Loading rows={6} />;

  const allOpen = filtered.length > 0 && filtered.every((r) => expanded.has(r.key));
  return (
    <section aria-label="Virtual services">
      <div className={styles.toolbar}>
        <input type="search" placeholder="Search VIP, port, scheduler, real server…" aria-label="Search services" value={search} onChange={(e) => setSearch(e.target.value)} disabled={partial} />
        <select aria-label="Protocol" value={proto} onChange={(e) => setProto(e.target.value)} disabled={partial}>
          <option value="all">All protocols</option>
          <option value="tcp">TCP</option>
          <option value="udp">UDP</option>
          <option value="sctp">SCTP</option>
          <option value="fwmark">FWM</option>
        </select>
        <label className="check">
          <input type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.target.checked)} disabled={partial} />
          Only services with servers not taking traffic
        </label>
        <span className="small muted" data-testid="services-count">
          {partial ? `${rows.length} shown, the rest loading…` : filtered.length === rows.length ? `${rows.length} services` : `${filtered.length} of ${rows.length} services`}
        </span>
        <TableStaleBadge cluster={cluster} live={live} />
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
        <VirtualServiceTable cluster={cluster} lines={lines} expanded={expanded} onToggle={toggle} reports={reports} live={live} canEdit={can('operator')} onRemove={remove} stale={stale} />
      )}
      {rows.length > 0 && filtered.length === 0 ? <Empty title="No service matches the filters" /> : null}
    </section>
  );
}

type TableProps = {
  cluster: string;
  lines: Line[];
  expanded: Set<string>;
  onToggle: (k: string) => void;
  reports: ReturnType<typeof indexReports>;
  live: ReturnType<typeof useLiveTable>;
  canEdit: boolean;
  onRemove: (k: string) => void;
  stale: string;
};

function VirtualServiceTable({ cluster, lines, expanded, onToggle, reports, live, canEdit, onRemove, stale }: TableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  // a stable key function: a new one makes the virtualizer re-measure every line (10,000 objects)
  const getItemKey = useCallback((i: number) => lineKey(lines[i]!), [lines]);
  // TanStack Virtual hands back functions the React Compiler cannot memoize; React's own advice is
  // to leave such a component uncompiled, which it is.
  // eslint-disable-next-line react-hooks/incompatible-library
  const v = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey,
    overscan: 12,
    // rows on the first paint, before the box is measured
    initialRect: { width: 1200, height: 800 },
  });
  const items = v.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = v.getTotalSize() - (items.at(-1)?.end ?? 0);

  // ↑/↓ move between rows (and Home/End to the ends), scrolling the row in first
  const onKeyDown = (e: React.KeyboardEvent) => {
    const delta = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (!delta && e.key !== 'Home' && e.key !== 'End') return;
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-index]');
    if (!row || (e.target as HTMLElement).tagName === 'SELECT') return;
    const at = Number(row.dataset.index);
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? lines.length - 1 : Math.min(lines.length - 1, Math.max(0, at + delta));
    e.preventDefault();
    v.scrollToIndex(next, { align: 'auto' });
    requestAnimationFrame(() => {
      const target = scroller.current?.querySelector<HTMLElement>(`tr[data-index="${next}"]`);
      (target?.querySelector<HTMLElement>('[data-nav], a, button') ?? target)?.focus();
    });
  };

  return (
    <div ref={scroller} className={`table-wrap ${styles.scrollBox}`} data-testid="services-scroll">
      <table className={`data ${styles.svcTable}`} data-testid="services-table" aria-rowcount={lines.length + 1}>
        {/* fixed layout: column widths come from here, not from measuring rows */}
        <colgroup>
          <col style={{ width: 32 }} />
          <col style={{ width: 60 }} />
          <col style={{ width: 220 }} />
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
            <th>
              <span className="sr-only">Expand</span>
            </th>
            <th>Prot</th>
            <th>LocalAddress:Port</th>
            <th>Scheduler</th>
            <th>Flags</th>
            <th className="num" title="real servers taking new connections / all">
              Servers
            </th>
            <th className="num">ActiveConn</th>
            <th className="num">InActConn</th>
            <th className="num">Conn/s</th>
            <th className="num">In</th>
            <th className="num">Out</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {padTop > 0 ? (
            <tr aria-hidden="true" style={{ height: padTop }}>
              <td colSpan={12} className={styles.spacer} />
            </tr>
          ) : null}
          {items.map((vi) => {
            const line = lines[vi.index]!;
            return line.kind === 'service' ? (
              <ServiceRow
                key={vi.key}
                index={vi.index}
                cluster={cluster}
                item={line.item}
                open={expanded.has(line.item.key)}
                onToggle={onToggle}
                reports={reports}
                live={live}
                canEdit={canEdit}
                onRemove={onRemove}
                stale={stale}
              />
            ) : (
              <RealServerLine key={vi.key} index={vi.index} s={line.item.s} skey={line.item.key} r={line.r} reports={reports} live={live} />
            );
          })}
          {padBottom > 0 ? (
            <tr aria-hidden="true" style={{ height: padBottom }}>
              <td colSpan={12} className={styles.spacer} />
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

const lineKey = (l: Line) => (l.kind === 'service' ? l.item.key : `${l.item.key}>${l.n}`);

function toLines(items: ServiceItem[], expanded: Set<string>): Line[] {
  const out: Line[] = [];
  for (const item of items) {
    out.push({ kind: 'service', item });
    if (!expanded.has(item.key)) continue;
    const rss = item.s.realServers as RealServer[];
    if (rss.length === 0) out.push({ kind: 'server', item, r: null, n: 0 });
    rss.forEach((r, n) => out.push({ kind: 'server', item, r, n }));
  }
  return out;
}

/** The working copy (base + draft) with each row marked added / edited / removed. */
function serviceItems(config: DirectorConfig, edits: Edits): ServiceItem[] {
  const baseKeys = new Set(config.services.map(serviceKeyId));
  const out: ServiceItem[] = workingCopy(config, edits).map((s) => {
    const key = serviceKeyId(s);
    return { s, key, mark: key in edits ? (baseKeys.has(key) ? 'edited' : 'added') : undefined };
  });
  for (const s of config.services) {
    const key = serviceKeyId(s);
    if (key in edits && edits[key] === null) out.push({ s, key, mark: 'removed' });
  }
  return out;
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
