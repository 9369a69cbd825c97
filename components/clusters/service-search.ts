// Search and filters over the services table, fast on 10,000 services: the search text of each
// service is built once per config (not per keystroke), and a query that extends the previous one
// ("10.2" → "10.22") filters the previous result instead of every row. Pure.
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
  /** built on the first query, not on the first paint */
  private text: string[] | null = null;
  private last: { f: Filters; hits: number[] } | null = null;

  /** `hasProblem(i)`: whether row i has real servers not taking traffic (asked only when filtering on it). */
  constructor(
    readonly rows: readonly R[],
    private readonly hasProblem: (row: R) => boolean,
  ) {}

  /** The rows that pass the filters, in table order. */
  filter(f: Filters): R[] {
    const q = f.q.trim().toLowerCase();
    const prev = this.last;
    // narrowing the same filters: only the previous hits can still match
    const from = prev && prev.f.proto === f.proto && prev.f.problemsOnly === f.problemsOnly && q.startsWith(prev.f.q) ? prev.hits : null;
    if (q && !this.text) this.text = this.rows.map((r) => searchText(r.s));
    const text = this.text;
    const hits: number[] = [];
    const test = (i: number) => {
      const r = this.rows[i]!;
      if (f.proto !== 'all' && r.s.protocol !== f.proto) return;
      if (q && !text![i]!.includes(q)) return;
      if (f.problemsOnly && !this.hasProblem(r)) return;
      hits.push(i);
    };
    if (from) for (const i of from) test(i);
    else for (let i = 0; i < this.rows.length; i++) test(i);
    this.last = { f: { ...f, q }, hits };
    return hits.map((i) => this.rows[i]!);
  }
}
