import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { actionsColumn, DataTable, type Column } from './table';

type Row = { id: string; name: string; n: number };
const rows: Row[] = [
  { id: 'a', name: 'alpha', n: 1 },
  { id: 'b', name: 'beta', n: 22 },
];
const columns: Column<Row>[] = [
  { header: 'Name', className: 'mono', cell: (r) => r.name },
  { header: 'Count', num: true, td: (r) => ({ title: `n=${r.n}` }), cell: (r) => r.n },
  actionsColumn<Row>((r) => `act ${r.id}`),
];

const render = (props: Parameters<typeof DataTable<Row>>[0]) => renderToStaticMarkup(createElement(DataTable<Row>, props));
const dom = (html: string) => html.replace(/<!-- -->/g, '');

describe('DataTable', () => {
  it('gives every header cell a text: the actions column one for screen readers only', () => {
    const html = dom(render({ columns, rows, rowKey: (r) => r.id, testId: 't' }));
    const heads = [...html.matchAll(/<th(?: [^>]*)?>(.*?)<\/th>/g)].map((m) => m[1]);
    expect(heads).toEqual(['Name', 'Count', '<span class="sr-only">Actions</span>']);
    expect(html).toContain('<th class="num">Count</th>');
  });

  it('renders a row per item with the columns’ classes, cell attributes and row attributes', () => {
    const html = dom(render({ columns, rows, rowKey: (r) => r.id, rowProps: (r) => ({ 'data-id': r.id }) }));
    expect(html.startsWith('<div class="table-wrap"><table class="data">')).toBe(true);
    expect(html).toContain('<tr data-id="a"><td class="mono">alpha</td><td class="num" title="n=1">1</td><td>act a</td></tr>');
    expect(html).toContain('<tr data-id="b"><td class="mono">beta</td><td class="num" title="n=22">22</td><td>act b</td></tr>');
  });

  it('takes a row component of the page instead of the cells, and can sit bare in a card', () => {
    const html = dom(render({ columns, rows, bare: true, testId: 'x', row: (r) => createElement('tr', { key: r.id }, createElement('td', null, r.name.toUpperCase())) }));
    expect(html.startsWith('<table class="data" data-testid="x">')).toBe(true);
    expect(html).toContain('<tbody><tr><td>ALPHA</td></tr><tr><td>BETA</td></tr></tbody>');
  });
});
