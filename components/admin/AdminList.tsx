'use client';
// The skeleton the admin list pages (Users, API tokens) share: a title with a line of help, a
// "New …" button that opens the page's create dialog, and the query's rows in one DataTable with
// QueryState's loading / error / empty states. Each page brings its columns, row and dialogs.
import { useState, type ReactNode } from 'react';
import { actionsColumn, DataTable } from '../ui/table';
import { EmptyCard, QueryState, type QueryLike } from '../ui/states';

export function AdminList<D, T>({
  title,
  sub,
  newLabel,
  query,
  rows,
  emptyTitle,
  testId,
  columns,
  row,
  create,
}: {
  title: string;
  sub: ReactNode;
  newLabel: string;
  query: QueryLike<D>;
  rows: (data: D) => T[];
  emptyTitle: string;
  testId: string;
  /** header labels; an actions column with no visible label follows them */
  columns: string[];
  row: (item: T) => ReactNode;
  /** the create dialog, open while `open` */
  create: (open: boolean, onClose: () => void) => ReactNode;
}) {
  const [creating, setCreating] = useState(false);
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{title}</h1>
          <div className="sub">{sub}</div>
        </div>
        <span className="spacer" />
        <button type="button" className="btn primary" onClick={() => setCreating(true)}>
          {newLabel}
        </button>
      </div>
      <QueryState query={query} isEmpty={(d) => rows(d).length === 0} empty={<EmptyCard title={emptyTitle} />}>
        {(data) => <DataTable testId={testId} columns={[...columns.map((header) => ({ header })), actionsColumn()]} rows={rows(data)} row={row} />}
      </QueryState>
      {create(creating, () => setCreating(false))}
    </div>
  );
}
