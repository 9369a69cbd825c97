// Loading, empty and error states: every data view shows one of these instead of a blank.
import type { ReactNode } from 'react';
import { errorIssues, errorMessage } from './errors';

export function Loading({ label = 'Loading…', rows = 0 }: { label?: string; rows?: number }) {
  if (rows > 0) {
    return (
      <div className="stack" aria-busy="true" aria-label={label}>
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="skeleton" style={{ width: `${90 - (i % 3) * 15}%` }} />
        ))}
      </div>
    );
  }
  return (
    <div className="row muted" aria-busy="true" role="status">
      <span className="spinner" /> {label}
    </div>
  );
}

type EmptyProps = { title: string; children?: ReactNode; action?: ReactNode };

export function Empty({ title, children, action }: EmptyProps) {
  return (
    <div className="empty" data-testid="empty">
      <h3>{title}</h3>
      {children ? <div className="small">{children}</div> : null}
      {action ? <div style={{ marginTop: 12 }}>{action}</div> : null}
    </div>
  );
}

/** `Empty` on a card of its own: what a page shows in place of its list or form. */
export function EmptyCard(props: EmptyProps) {
  return (
    <div className="card">
      <Empty {...props} />
    </div>
  );
}

export function ErrorState({ error, title = 'Could not load', retry }: { error: unknown; title?: string; retry?: () => void }) {
  const issues = errorIssues(error);
  return (
    <div className="notice bad" role="alert">
      <strong>{title}:</strong> {errorMessage(error)}
      {issues.length ? (
        <ul>
          {issues.map((i, k) => (
            <li key={k}>
              {i.path ? <code>{i.path}</code> : null} {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      {retry ? (
        <div style={{ marginTop: 8 }}>
          <button type="button" className="btn small" onClick={retry}>
            Retry
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** The part of a react-query result QueryState reads (plain and infinite queries both fit). */
export type QueryLike<T> = { isPending: boolean; isError: boolean; error: unknown; data: T | undefined; refetch: () => unknown };

/**
 * The loading / error / empty / data skeleton of every list page in one place: a skeleton while
 * pending, the error with Retry, `empty` when `isEmpty(data)`, else `children(data)`.
 */
export function QueryState<T>({
  query,
  rows = 4,
  loading,
  errorTitle,
  isEmpty,
  empty,
  children,
}: {
  query: QueryLike<T>;
  rows?: number;
  loading?: ReactNode;
  errorTitle?: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <>{loading ?? <Loading rows={rows} />}</>;
  if (query.isError || query.data === undefined) return <ErrorState error={query.error} title={errorTitle} retry={() => query.refetch()} />;
  if (isEmpty?.(query.data)) return <>{empty ?? <Empty title="Nothing here" />}</>;
  return <>{children(query.data)}</>;
}
