// Search and filters over the services table, fast on 10,000 services: the search text of each
// service is built once per config (not per keystroke, nor again when director reports change),
// in slices while the page is idle so the first query does not pay for it, and a query that
// extends the previous one ("10.2" → "10.22") filters the previous result instead of every row. Pure.
import { formatHostPort } from '@/lib/ipvs/addr';
import type { VirtualService } from '@/lib/ipvs/model';

export type Filters = { q: string; proto: string; problemsOnly: boolean };

/** What a search matches: protocol, scheduler and flags, VIP:port or fwmark, every real server. */
export function searchText(s: VirtualService): string {
  const parts: string[] = [s.protocol, s.scheduler, ...s.schedFlags];
  if (s.protocol === 'fwmark') parts.push(`fwm ${s.fwmark}`, `fwmark ${s.fwmark}`);
  else parts.push(formatHostPort(s.address, s.port));
  for (const r of s.realServers) parts.push(formatHostPort(r.address, r.port ?? 0));
  return parts.join(' ').toLowerCase();
}

export class ServiceSearch<R extends { s: VirtualService }> {
  /** each row's search text, built once per config: a slice at a time while the page is idle, the rest on the first query */
  private text: string[] = [];
  private last: { f: Filters; hasProblem: (row: R) => boolean; hits: number[] } | null = null;

  constructor(readonly rows: readonly R[]) {}

  /** Index rows until `deadline()` says time is up; true when every row is indexed (runs in idle callbacks). */
  indexSome(deadline: () => boolean): boolean {
    const { rows, text } = this;
    while (text.length < rows.length) {
      const end = Math.min(rows.length, text.length + 200);
      for (let i = text.length; i < end; i++) text.push(searchText(rows[i]!.s));
      if (deadline()) break;
    }
    return text.length === rows.length;
  }

  /** The rows that pass the filters, in table order; `hasProblem(row)`: real servers not taking traffic (asked only when filtering on it). */
  filter(f: Filters, hasProblem: (row: R) => boolean): R[] {
    const q = f.q.trim().toLowerCase();
    const prev = this.last;
    // narrowing the same filters: only the previous hits can still match
    const same = prev && prev.f.proto === f.proto && prev.f.problemsOnly === f.problemsOnly && (!f.problemsOnly || prev.hasProblem === hasProblem);
    const from = same && q.startsWith(prev.f.q) ? prev.hits : null;
    if (q) this.indexSome(() => false);
    const text = this.text;
    const hits: number[] = [];
    const test = (i: number) => {
      const r = this.rows[i]!;
      if (f.proto !== 'all' && r.s.protocol !== f.proto) return;
      if (q && !text[i]!.includes(q)) return;
      if (f.problemsOnly && !hasProblem(r)) return;
      hits.push(i);
    };
    if (from) for (const i of from) test(i);
    else for (let i = 0; i < this.rows.length; i++) test(i);
    this.last = { f: { ...f, q }, hasProblem, hits };
    return hits.length === this.rows.length ? (this.rows as R[]) : hits.map((i) => this.rows[i]!);
  }
}
