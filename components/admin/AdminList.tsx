'use client';
// The skeleton the admin list pages (Users, API tokens) share: a title with a line of help, a
// "New …" button that opens the page's create dialog, and the query's rows in one table with
// QueryState's loading / error / empty states. Each page brings its columns, row and dialogs.
import { useState, type ReactNode } from 'react';
import { Empty, QueryState, type QueryLike } from '../ui/states';

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
  /** header labels; the last (actions) column has no visible label */
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
      <QueryState
        query={query}
        isEmpty={(d) => rows(d).length === 0}
        empty={
          <div className="card">
            <Empty title={emptyTitle} />
          </div>
        }
      >
        {(data) => (
          <div className="table-wrap">
            <table className="data" data-testid={testId}>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>{rows(data).map(row)}</tbody>
            </table>
          </div>
        )}
      </QueryState>
      {create(creating, () => setCreating(false))}
    </div>
  );
}
