'use client';
// The filter bar of the list pages (audit log, connections): the fields the user edits apply only
// on "Filter", so typing does not refetch. A page keeps the applied filter in its query.
import { useState, type ChangeEvent, type CSSProperties, type ReactNode } from 'react';

/** The edited form, the applied filter, a change handler per field, and `apply`/`reset`. */
export function useFilterForm<F extends Record<string, string>>(initial: F) {
  const [form, setForm] = useState<F>(initial);
  const [filter, setFilter] = useState<F>(initial);
  const set = (k: keyof F) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const apply = () => setFilter(form);
  const reset = () => {
    setForm(initial);
    setFilter(initial);
  };
  return { form, filter, set, apply, reset };
}

/** The form: its fields in a row, then "Filter" and any more buttons. */
export function FilterBar({ onApply, children, after, style }: { onApply: () => void; children: ReactNode; after?: ReactNode; style?: CSSProperties }) {
  return (
    <form
      className="card row"
      style={{ alignItems: 'flex-end', gap: 12, ...style }}
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
      aria-label="Filters"
    >
      {children}
      <button type="submit" className="btn primary">
        Filter
      </button>
      {after}
    </form>
  );
}
