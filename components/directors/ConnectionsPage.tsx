'use client';
// A director's live connection table (ipvsadm -Lnc), asked of its agent, which filters and pages
// on its side. Persistence templates (client port 0, or protocol IP for fwmark) are marked.
import Link from 'next/link';
import { useState } from 'react';
import { formatHostPort } from '@/lib/ipvs/addr';
import type { ConnEntry } from '@/lib/ipvs/stats';
import { useConnections } from '../data/queries';
import { exact, mmss, ago } from '../format';
import { href } from '../links';
import { Field, Options } from '../ui/field';
import { FilterBar, useFilterForm } from '../ui/filters';
import { EmptyCard, Loading, QueryState } from '../ui/states';
import { DataTable, type Column } from '../ui/table';

const STATES = ['', 'ESTABLISHED', 'SYN_RECV', 'SYN_SENT', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK', 'UDP', 'NONE'];
const PAGE_SIZES = [50, 100, 500];

const COLUMNS: Column<ConnEntry>[] = [
  { header: 'Pro', className: 'mono', cell: (e) => e.protocol },
  { header: 'Expire', className: 'mono', cell: (e) => mmss(e.expires) },
  {
    header: 'State',
    className: 'mono',
    cell: (e) => (
      <>
        {e.state}
        {e.template ? (
          <span className="badge info" style={{ marginLeft: 6 }} title="persistence template: pins this client (network) to the destination">
            template
          </span>
        ) : null}
      </>
    ),
  },
  { header: 'Source', className: 'mono', cell: (e) => formatHostPort(e.clientAddress, e.clientPort) },
  { header: 'Virtual', className: 'mono', cell: (e) => formatHostPort(e.virtualAddress, e.virtualPort) },
  { header: 'Destination', className: 'mono', cell: (e) => formatHostPort(e.destAddress, e.destPort) },
  { header: 'PE', className: 'mono small', cell: (e) => (e.pe ? `${e.pe} ${e.peData ?? ''}` : '') },
];

type Filter = { client: string; virtual: string; dest: string; state: string; templates: 'include' | 'exclude' | 'only' };

export function ConnectionsPage({ cluster, director }: { cluster: string; director: string }) {
  const { form, filter, set, apply } = useFilterForm<Filter>({ client: '', virtual: '', dest: '', state: '', templates: 'include' });
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
      <FilterBar
        onApply={() => {
          setOffset(0);
          apply();
        }}
      >
        <Field label="Client">
          <input type="text" placeholder="192.168.0.101" value={form.client} onChange={set('client')} spellCheck={false} />
        </Field>
        <Field label="Virtual">
          <input type="text" placeholder="10.0.0.1:80" value={form.virtual} onChange={set('virtual')} spellCheck={false} />
        </Field>
        <Field label="Real server">
          <input type="text" placeholder="10.0.1.2" value={form.dest} onChange={set('dest')} spellCheck={false} />
        </Field>
        <Field label="State">
          <select value={form.state} onChange={set('state')}>
            <Options values={STATES} label={(s) => s || 'any'} />
          </select>
        </Field>
        <Field label="Persistence templates">
          <select value={form.templates} onChange={set('templates')}>
            <option value="include">include</option>
            <option value="exclude">exclude</option>
            <option value="only">only templates</option>
          </select>
        </Field>
      </FilterBar>
      <QueryState
        query={q}
        loading={<Loading label="Asking the agent…" />}
        errorTitle="The agent did not answer"
        isEmpty={(data) => data.entries.length === 0}
        empty={<EmptyCard title="No connections match">{total === 0 ? 'The connection table is empty, or nothing matches the filters.' : 'This page is past the end.'}</EmptyCard>}
      >
        {(data) => (
          <>
            <DataTable
              testId="connections-table"
              columns={COLUMNS}
              rows={data.entries}
              rowKey={(_e, i) => `${offset + i}`}
              rowProps={(e) => ({ className: 'mono', 'data-template': e.template || undefined })}
            />
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
                  <Options values={PAGE_SIZES} />
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
