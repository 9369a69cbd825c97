'use client';
// The append-only audit log: who did what to which cluster, from where, with the revisions
// before and after. Filters by actor, action (exact or a prefix such as "login."), cluster, time.
//
// Pages of 100 events pile up as the admin reads on ("Older events", or scrolling near the end),
// so the table renders only the rows on screen (react-virtual, fixed row height, in a scroll box
// under a sticky header; ↑/↓/Home/End move between rows): thousands of events cost a screenful.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { AuditEvent } from '@/lib/api/schemas';
import { useAudit, useClusters } from '../data/queries';
import { auditTone, dateTime } from '../format';
import { errorIssues } from '../ui/errors';
import { Empty, QueryState } from '../ui/states';

type Filter = { actor: string; action: string; cluster: string; from: string; to: string };
const ACTIONS = ['', 'login.', 'login.failure', 'revision.', 'revision.create', 'revision.rollback', 'revision.import', 'director.', 'user.', 'token.', 'cluster.'];

/** datetime-local has no zone: read it as local time and send ISO with offset. */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function AuditPage() {
  const [form, setForm] = useState<Filter>({ actor: '', action: '', cluster: '', from: '', to: '' });
  const [filter, setFilter] = useState<Filter>(form);
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
  const set = (k: keyof Filter) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const events = q.data?.pages.flatMap((p) => p.events) ?? [];
  const fieldErr = (p: string) =>
    errorIssues(q.error)
      .filter((i) => i.path === p)
      .map((i) => i.message)
      .join('; ');
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <div className="sub">Every change and every sign-in, newest first. Append-only.</div>
        </div>
      </div>
      <form
        className="card row"
        style={{ alignItems: 'flex-end', gap: 12, marginBottom: 16 }}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(form);
        }}
        aria-label="Filters"
      >
        <div className="field">
          <label htmlFor="a-actor">Actor</label>
          <input id="a-actor" type="text" value={form.actor} onChange={set('actor')} placeholder="admin, token:ci, agent:lvs-a" />
        </div>
        <div className="field">
          <label htmlFor="a-action">Action</label>
          <select id="a-action" value={form.action} onChange={set('action')}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a === '' ? 'any' : a.endsWith('.') ? `${a}*` : a}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="a-cluster">Cluster</label>
          <select id="a-cluster" value={form.cluster} onChange={set('cluster')}>
            <option value="">any</option>
            {(clusters.data?.clusters ?? []).map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="a-from">From</label>
          <input id="a-from" type="datetime-local" value={form.from} onChange={set('from')} aria-invalid={!!fieldErr('from') || undefined} />
        </div>
        <div className="field">
          <label htmlFor="a-to">To</label>
          <input id="a-to" type="datetime-local" value={form.to} onChange={set('to')} aria-invalid={!!fieldErr('to') || undefined} />
        </div>
        <button type="submit" className="btn primary">
          Filter
        </button>
        <button
          type="button"
          className="btn ghost"
          onClick={() => {
            const empty = { actor: '', action: '', cluster: '', from: '', to: '' };
            setForm(empty);
            setFilter(empty);
          }}
        >
          Clear
        </button>
      </form>
      <QueryState
        query={q}
        rows={8}
        isEmpty={() => events.length === 0}
        empty={
          <div className="card">
            <Empty title="No events match" />
          </div>
        }
      >
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
const COLUMNS = 8;

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
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Cluster</th>
            <th>Target</th>
            <th className="num">Revision</th>
            <th>Client</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {padTop > 0 ? (
            <tr aria-hidden="true" style={{ height: padTop }}>
              <td colSpan={COLUMNS} style={{ padding: 0, border: 0 }} />
            </tr>
          ) : null}
          {items.map((vi) => (
            <AuditRow key={vi.key} index={vi.index} e={events[vi.index]!} />
          ))}
          {padBottom > 0 ? (
            <tr aria-hidden="true" style={{ height: padBottom }}>
              <td colSpan={COLUMNS} style={{ padding: 0, border: 0 }} />
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
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
