// The console's one data table: a header from column definitions (every header cell has a text,
// an actions column's for screen readers only; `table.data th` keeps it sticky), a body made from
// the rows, all in the horizontally scrolling `.table-wrap` unless the table sits bare in a card.
import type { HTMLAttributes, ReactNode, TableHTMLAttributes, TdHTMLAttributes } from 'react';

/** `data-*` attributes (test ids, states) on a row or cell */
type DataAttributes = { [k: `data-${string}`]: string | number | boolean | undefined };

export type Column<T> = {
  /** the header's text, unique in its table (it keys the cells) */
  header: string;
  /** read by screen readers only (an actions column) */
  hidden?: boolean;
  /** a number column: right-aligned header and cells */
  num?: boolean;
  /** the header cell's tooltip */
  title?: string;
  /** the body cells' class */
  className?: string;
  cell?: (row: T, index: number) => ReactNode;
  /** more attributes of a body cell (title, style) */
  td?: (row: T) => TdHTMLAttributes<HTMLTableCellElement> & DataAttributes;
};

/** An actions column: no visible header, "Actions" to a screen reader. */
export function actionsColumn<T>(cell?: Column<T>['cell'], more: Omit<Column<T>, 'header' | 'cell'> = {}): Column<T> {
  return { header: 'Actions', hidden: true, cell, ...more };
}

const cls = (...names: (string | false | undefined)[]) => names.filter(Boolean).join(' ') || undefined;

/** The `<thead>` of columns (also for tables that render their own body, such as a virtualized one). */
export function TableHead<T>({ columns }: { columns: readonly Column<T>[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c.header} className={cls(c.num && 'num')} title={c.title}>
            {c.hidden ? <span className="sr-only">{c.header}</span> : c.header}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** One body row of the columns' cells. */
export function TableRow<T>({ columns, row, index, ...tr }: { columns: readonly Column<T>[]; row: T; index: number } & HTMLAttributes<HTMLTableRowElement>) {
  return (
    <tr {...tr}>
      {columns.map((c) => (
        <td key={c.header} className={cls(c.num && 'num', c.className)} {...c.td?.(row)}>
          {c.cell?.(row, index)}
        </td>
      ))}
    </tr>
  );
}

type DataTableProps<T> = {
  columns: readonly Column<T>[];
  rows: readonly T[];
  testId?: string;
  /** without the scrolling, bordered wrapper (a table that fills a card) */
  bare?: boolean;
  className?: string;
  table?: TableHTMLAttributes<HTMLTableElement>;
} & (
  | {
      rowKey: (row: T, index: number) => string;
      /** more attributes of a row (data-*) */
      rowProps?: (row: T, index: number) => HTMLAttributes<HTMLTableRowElement> & DataAttributes;
      row?: never;
    }
  /** a row component of the page's own (one with state or hooks), keyed by the caller */
  | { row: (row: T, index: number) => ReactNode; rowKey?: never; rowProps?: never }
);

export function DataTable<T>({ columns, rows, testId, bare, className, table, rowKey, rowProps, row }: DataTableProps<T>) {
  const body = (
    <table {...table} className={cls('data', className)} data-testid={testId}>
      <TableHead columns={columns} />
      <tbody>{rows.map((r, i) => (row ? row(r, i) : <TableRow key={rowKey(r, i)} columns={columns} row={r} index={i} {...rowProps?.(r, i)} />))}</tbody>
    </table>
  );
  return bare ? body : <div className="table-wrap">{body}</div>;
}
