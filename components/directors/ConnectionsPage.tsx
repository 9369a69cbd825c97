'use client';
// A director's live connection table (ipvsadm -Lnc), asked of its agent, which filters and pages
// on its side. Persistence templates (client port 0, or protocol IP for fwmark) are marked.
import Link from 'next/link';
import { useState } from 'react';
import { formatHostPort } from '@/lib/ipvs/addr';
import { useConnections } from '../data/queries';
import { exact, mmss, ago } from '../format';
import { href } from '../links';
import { Empty, Loading, QueryState } from '../ui/states';

const STATES = ['', 'ESTABLISHED', 'SYN_RECV', 'SYN_SENT', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK', 'UDP', 'NONE'];
const PAGE_SIZES = [50, 100, 500];

type Filter = { client: string; virtual: string; dest: string; state: string; templates: 'include' | 'exclude' | 'only' };

export function ConnectionsPage({ cluster, director }: { cluster: string; director: string }) {
  const [form, setForm] = useState<Filter>({ client: '', virtual: '', dest: '', state: '', templates: 'include' });
  const [filter, setFilter] = useState<Filter>(form);
  const [offset, setOffset] = useState(0);
  const [limit, setLimit] = useState(50);
  const [auto, setAuto] = useState(true);
  const query = {
    ...(filter.client ? { client: filter.client } : {}),
    ...(filter.virtual ? { virtual: filter.virtual } : {}),
    ...(filter.dest ? { dest: filter.dest } : {}),
    ...(filter.state ? { state: filter.state } : {}),
    templates: filter.templates,
    offset,
    limit,
  };
  const q = useConnections(cluster, director, query, auto);
  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setFilter(form);
  };
  const set = (k: keyof Filter) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const total = q.data?.total ?? 0;
  return (
    <section className="stack" aria-label="Connections">
      <div className="row">
        <h2 className="grow">
          Connections on{' '}
          <Link href={href.director(cluster, director)} className="mono">
            {director}
          </Link>
        </h2>
        <label className="check small">
          <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> auto-refresh (2 s)
        </label>
        <button type="button" className="btn small" onClick={() => q.refetch()} disabled={q.isFetching}>
          Refresh
        </button>
      </div>
      <form className="card row" onSubmit={apply} style={{ alignItems: 'flex-end', gap: 12 }} aria-label="Filters">
        <div className="field">
          <label htmlFor="f-client">Client</label>
          <input id="f-client" type="text" placeholder="192.168.0.101" value={form.client} onChange={set('client')} spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="f-virtual">Virtual</label>
          <input id="f-virtual" type="text" placeholder="10.0.0.1:80" value={form.virtual} onChange={set('virtual')} spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="f-dest">Real server</label>
          <input id="f-dest" type="text" placeholder="10.0.1.2" value={form.dest} onChange={set('dest')} spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="f-state">State</label>
          <select id="f-state" value={form.state} onChange={set('state')}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-tpl">Persistence templates</label>
          <select id="f-tpl" value={form.templates} onChange={set('templates')}>
            <option value="include">include</option>
            <option value="exclude">exclude</option>
            <option value="only">only templates</option>
          </select>
        </div>
        <button type="submit" className="btn primary">
          Filter
        </button>
      </form>
      <QueryState
        query={q}
        loading={<Loading label="Asking the agent…" />}
        errorTitle="The agent did not answer"
        isEmpty={(data) => data.entries.length === 0}
        empty={
          <div className="card">
            <Empty title="No connections match">{total === 0 ? 'The connection table is empty, or nothing matches the filters.' : 'This page is past the end.'}</Empty>
          </div>
        }
      >
        {(data) => (
          <>
            <div className="table-wrap">
              <table className="data" data-testid="connections-table">
                <thead>
                  <tr>
                    <th>Pro</th>
                    <th>Expire</th>
                    <th>State</th>
                    <th>Source</th>
                    <th>Virtual</th>
                    <th>Destination</th>
                    <th>PE</th>
                  </tr>
                </thead>
                <tbody>
                  {data.entries.map((e, i) => (
                    <tr key={`${offset + i}`} className="mono" data-template={e.template || undefined}>
                      <td className="mono">{e.protocol}</td>
                      <td className="mono">{mmss(e.expires)}</td>
                      <td className="mono">
                        {e.state}
                        {e.template ? (
                          <span className="badge info" style={{ marginLeft: 6 }} title="persistence template: pins this client (network) to the destination">
                            template
                          </span>
                        ) : null}
                      </td>
                      <td className="mono">{formatHostPort(e.clientAddress, e.clientPort)}</td>
                      <td className="mono">{formatHostPort(e.virtualAddress, e.virtualPort)}</td>
                      <td className="mono">{formatHostPort(e.destAddress, e.destPort)}</td>
                      <td className="mono small">{e.pe ? `${e.pe} ${e.peData ?? ''}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="row">
              <span className="small muted grow">
                {exact(offset + 1)}–{exact(offset + data.entries.length)} of {exact(total)} · fetched {ago(data.fetchedAt)}
                {q.isFetching ? ' · refreshing…' : ''}
              </span>
              <label className="small">
                per page{' '}
                <select
                  value={limit}
                  onChange={(e) => {
                    setLimit(Number(e.target.value));
                    setOffset(0);
                  }}
                >
                  {PAGE_SIZES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" className="btn small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>
                ← Previous
              </button>
              <button type="button" className="btn small" disabled={offset + limit >= total} onClick={() => setOffset(offset + limit)}>
                Next →
              </button>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}
