'use client';
// One EventSource per URL per page, shared by every component that wants that stream. Browsers
// allow six HTTP/1.1 connections per host and each SSE stream holds one for good: two charts and
// a table on the same scope must not cost three. A late subscriber gets the backfill and the
// samples since, replayed, so it starts where the others are.

type Handlers = { backfill?: (data: string) => void; sample?: (data: string) => void; status?: (s: 'open' | 'reconnecting' | 'closed') => void };
type Entry = { es: EventSource; subs: Set<Handlers>; backfill: string | null; since: string[] };

const MAX_REPLAY = 3600;
const sources = new Map<string, Entry>();

export function subscribeStream(url: string, h: Handlers): () => void {
  let e = sources.get(url);
  if (!e) {
    const es = new EventSource(url);
    const entry: Entry = { es, subs: new Set(), backfill: null, since: [] };
    es.addEventListener('backfill', (ev) => {
      entry.backfill = (ev as MessageEvent<string>).data;
      entry.since = [];
      for (const s of entry.subs) s.backfill?.(entry.backfill);
    });
    es.addEventListener('sample', (ev) => {
      const data = (ev as MessageEvent<string>).data;
      entry.since.push(data);
      if (entry.since.length > MAX_REPLAY) entry.since.shift();
      for (const s of entry.subs) s.sample?.(data);
    });
    es.onopen = () => entry.subs.forEach((s) => s.status?.('open'));
    es.onerror = () => entry.subs.forEach((s) => s.status?.(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
    sources.set(url, (e = entry));
  } else if (e.backfill !== null) {
    h.status?.('open');
    h.backfill?.(e.backfill);
    for (const d of e.since) h.sample?.(d);
  }
  e.subs.add(h);
  const entry = e;
  return () => {
    entry.subs.delete(h);
    if (entry.subs.size === 0) {
      entry.es.close();
      sources.delete(url);
    }
  };
}
