'use client';
// The append-only audit log: who did what to which cluster, from where, with the revisions
// before and after. Filters by actor, action (exact or a prefix such as "login."), cluster, time.
//
// Pages of 100 events pile up as the admin reads on ("Older events", or scrolling near the end),
// so the table renders only the rows on screen (react-virtual, fixed row height, in a scroll box
// under a sticky header; ↑/↓/Home/End move between rows): thousands of events cost a screenful.
import { useCallback, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { AuditEvent } from '@/lib/api/schemas';
import { useAudit, useClusters } from '../data/queries';
import { auditTone, dateTime } from '../format';
import { issuesAt } from '../ui/errors';
import { Field, Options } from '../ui/field';
import { FilterBar, useFilterForm } from '../ui/filters';
import { EmptyCard, QueryState } from '../ui/states';
import { TableHead, type Column } from '../ui/table';

type Filter = { actor: string; action: string; cluster: string; from: string; to: string };
const ACTIONS = ['', 'login.', 'login.failure', 'revision.', 'revision.create', 'revision.rollback', 'revision.import', 'director.', 'user.', 'token.', 'cluster.'];

/** datetime-local has no zone: read it as local time and send ISO with offset. */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function AuditPage() {
  const { form, filter, set, apply, reset } = useFilterForm<Filter>({ actor: '', action: '', cluster: '', from: '', to: '' });
  const clusters = useClusters({ refetchInterval: false });
  const query = {
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.cluster ? { cluster: filter.cluster } : {}),
    ...(filter.from ? { from: iso(filter.from) } : {}),
    ...(filter.to ? { to: iso(filter.to) } : {}),
    limit: 100,
  };
  const q = useAudit(query);
  const events = q.data?.pages.flatMap((p) => p.events) ?? [];
  // the query's error names the bad field; QueryState shows its message
  const invalid = (p: string) => issuesAt(q.error, p).length > 0 || undefined;
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <div className="sub">Every change and every sign-in, newest first. Append-only.</div>
        </div>
      </div>
      <FilterBar
        onApply={apply}
        style={{ marginBottom: 16 }}
        after={
          <button type="button" className="btn ghost" onClick={reset}>
            Clear
          </button>
        }
      >
        <Field label="Actor">
          <input type="text" value={form.actor} onChange={set('actor')} placeholder="admin, token:ci, agent:lvs-a" />
        </Field>
        <Field label="Action">
          <select value={form.action} onChange={set('action')}>
            <Options values={ACTIONS} label={(a) => (a === '' ? 'any' : a.endsWith('.') ? `${a}*` : a)} />
          </select>
        </Field>
        <Field label="Cluster">
          <select value={form.cluster} onChange={set('cluster')}>
            <option value="">any</option>
            {(clusters.data?.clusters ?? []).map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From">
          <input type="datetime-local" value={form.from} onChange={set('from')} aria-invalid={invalid('from')} />
        </Field>
        <Field label="To">
          <input type="datetime-local" value={form.to} onChange={set('to')} aria-invalid={invalid('to')} />
        </Field>
      </FilterBar>
      <QueryState query={q} rows={8} isEmpty={() => events.length === 0} empty={<EmptyCard title="No events match" />}>
        {() => (
          <>
            <AuditTable events={events} onNearEnd={() => (q.hasNextPage && !q.isFetchingNextPage ? void q.fetchNextPage() : undefined)} />
            <div className="row" style={{ marginTop: 10 }}>
              <span className="small muted grow">{events.length} events</span>
              {q.hasNextPage ? (
                <button type="button" className="btn" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
                  {q.isFetchingNextPage ? 'Loading…' : 'Older events'}
                </button>
              ) : null}
            </div>
          </>
        )}
      </QueryState>
    </div>
  );
}

/** every row has this height (one line per cell, ellipsis): the virtualizer never measures rows */
const ROW_HEIGHT = 34;
const COLUMNS: Column<AuditEvent>[] = [
  { header: 'Time' },
  { header: 'Actor' },
  { header: 'Action' },
  { header: 'Cluster' },
  { header: 'Target' },
  { header: 'Revision', num: true },
  { header: 'Client' },
  { header: 'Details' },
];

function AuditTable({ events, onNearEnd }: { events: AuditEvent[]; onNearEnd: () => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const getItemKey = useCallback((i: number) => events[i]!.id, [events]);
  // TanStack Virtual hands back functions the React Compiler cannot memoize (as in ServicesTable)
  // eslint-disable-next-line react-hooks/incompatible-library
  const v = useVirtualizer({
    count: events.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey,
    overscan: 10,
    initialRect: { width: 1200, height: 700 },
  });
  const items = v.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = v.getTotalSize() - (items.at(-1)?.end ?? 0);
  // the last rows on screen: fetch the next page before the admin reaches the end
  const lastShown = items.at(-1)?.index ?? 0;
  const nearEnd = events.length > 0 && lastShown >= events.length - 20;
  useEffect(() => {
    if (nearEnd) onNearEnd();
  }, [nearEnd, events.length, onNearEnd]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const delta = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (!delta && e.key !== 'Home' && e.key !== 'End') return;
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-index]');
    if (!row) return;
    const at = Number(row.dataset.index);
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? events.length - 1 : Math.min(events.length - 1, Math.max(0, at + delta));
    e.preventDefault();
    v.scrollToIndex(next, { align: 'auto' });
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`tr[data-index="${next}"]`)?.focus());
  };

  return (
    <div ref={scroller} className="table-wrap" style={{ maxHeight: 'calc(100vh - 320px)', minHeight: 240, overflow: 'auto' }} data-testid="audit-scroll">
      <table className="data" data-testid="audit-table" aria-rowcount={events.length + 1} style={{ tableLayout: 'fixed', minWidth: 1100 }}>
        <colgroup>
          <col style={{ width: 170 }} />
          <col style={{ width: 130 }} />
          <col style={{ width: 150 }} />
          <col style={{ width: 110 }} />
          <col style={{ width: 160 }} />
          <col style={{ width: 100 }} />
          <col style={{ width: 120 }} />
          <col />
        </colgroup>
        <TableHead columns={COLUMNS} />
        <tbody onKeyDown={onKeyDown}>
          <SpacerRow height={padTop} />
          {items.map((vi) => (
            <AuditRow key={vi.key} index={vi.index} e={events[vi.index]!} />
          ))}
          <SpacerRow height={padBottom} />
        </tbody>
      </table>
    </div>
  );
}

/** stands for the rows above or below the ones on screen, so the scroll bar is true */
function SpacerRow({ height }: { height: number }) {
  return height > 0 ? (
    <tr aria-hidden="true" style={{ height }}>
      <td colSpan={COLUMNS.length} style={{ padding: 0, border: 0 }} />
    </tr>
  ) : null;
}

const cell: React.CSSProperties = { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' };

function AuditRow({ e, index }: { e: AuditEvent; index: number }) {
  const details = e.details === null || e.details === undefined ? '' : typeof e.details === 'string' ? e.details : JSON.stringify(e.details);
  return (
    <tr data-index={index} tabIndex={-1} style={{ height: ROW_HEIGHT }} data-testid="audit-row">
      <td className="mono small nowrap">{dateTime(e.at)}</td>
      <td className="nowrap" style={cell} title={e.actor}>
        {e.actor}
      </td>
      <td>
        <span className={`badge ${auditTone(e.action)}`}>{e.action}</span>
      </td>
      <td style={cell}>{e.cluster ?? <span className="faint">—</span>}</td>
      <td className="small" style={cell} title={e.target ?? undefined}>
        {e.target ?? ''}
      </td>
      <td className="num mono small">{e.beforeRevision !== null || e.afterRevision !== null ? `r${e.beforeRevision ?? '–'} → r${e.afterRevision ?? '–'}` : ''}</td>
      <td className="mono small" style={cell}>
        {e.clientIp ?? ''}
      </td>
      <td className="small mono" style={cell} title={details}>
        {details}
      </td>
    </tr>
  );
}
