'use client';
// The append-only audit log: who did what to which cluster, from where, with the revisions
// before and after. Filters by actor, action (exact or a prefix such as "login."), cluster, time.
import { useState } from 'react';
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
            <div className="table-wrap">
              <table className="data" data-testid="audit-table">
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
                <tbody>
                  {events.map((e) => (
                    <AuditRow key={e.id} e={e} />
                  ))}
                </tbody>
              </table>
            </div>
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

function AuditRow({ e }: { e: AuditEvent }) {
  const details = e.details === null || e.details === undefined ? '' : typeof e.details === 'string' ? e.details : JSON.stringify(e.details);
  return (
    <tr>
      <td className="mono small nowrap">{dateTime(e.at)}</td>
      <td className="nowrap">{e.actor}</td>
      <td>
        <span className={`badge ${auditTone(e.action)}`}>{e.action}</span>
      </td>
      <td>{e.cluster ?? <span className="faint">—</span>}</td>
      <td className="small">{e.target ?? ''}</td>
      <td className="num mono small">{e.beforeRevision !== null || e.afterRevision !== null ? `r${e.beforeRevision ?? '–'} → r${e.afterRevision ?? '–'}` : ''}</td>
      <td className="mono small">{e.clientIp ?? ''}</td>
      <td className="small mono" style={{ maxWidth: 320, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={details}>
        {details}
      </td>
    </tr>
  );
}
