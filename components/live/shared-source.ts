'use client';
// One EventSource per URL per page, shared by every component that wants that stream. Browsers
// allow six HTTP/1.1 connections per host and each SSE stream holds one for good: two charts and
// a table on the same scope must not cost three. A late subscriber gets what the others already
// have, replayed, so it starts where they are: the last `backfill` and the samples since, the last
// `table` and the deltas since, and the director statuses seen.

export type StreamEvent = 'backfill' | 'sample' | 'table' | 'table-delta' | 'director-status';
type Handlers = Partial<Record<StreamEvent, (data: string) => void>> & { status?: (s: 'open' | 'reconnecting' | 'closed') => void };

/** Events that restart a history (everything before them is obsolete), and the ones that follow them. */
const RESETS: Partial<Record<StreamEvent, StreamEvent>> = { sample: 'backfill', 'table-delta': 'table' };
const EVENTS: StreamEvent[] = ['backfill', 'sample', 'table', 'table-delta', 'director-status'];
const MAX_REPLAY = 3600;

type Entry = { es: EventSource; subs: Set<Handlers>; opened: boolean; heads: Map<StreamEvent, string>; since: Map<StreamEvent, string[]> };
const sources = new Map<string, Entry>();

function remember(entry: Entry, event: StreamEvent, data: string) {
  const follows = RESETS[event];
  if (follows === undefined && Object.values(RESETS).includes(event)) {
    // a reset: keep it as the head, drop what followed the previous one
    entry.heads.set(event, data);
    for (const [f, r] of Object.entries(RESETS)) if (r === event) entry.since.set(f as StreamEvent, []);
    return;
  }
  const list = entry.since.get(event) ?? [];
  list.push(data);
  if (list.length > MAX_REPLAY) list.shift();
  entry.since.set(event, list);
}

export function subscribeStream(url: string, h: Handlers): () => void {
  let e = sources.get(url);
  if (!e) {
    const es = new EventSource(url);
    const entry: Entry = { es, subs: new Set(), opened: false, heads: new Map(), since: new Map() };
    for (const name of EVENTS) {
      es.addEventListener(name, (ev) => {
        const data = (ev as MessageEvent<string>).data;
        remember(entry, name, data);
        for (const s of entry.subs) s[name]?.(data);
      });
    }
    es.onopen = () => {
      entry.opened = true;
      entry.subs.forEach((s) => s.status?.('open'));
    };
    es.onerror = () => entry.subs.forEach((s) => s.status?.(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
    sources.set(url, (e = entry));
  } else {
    if (e.opened) h.status?.('open');
    for (const [event, data] of e.heads) h[event]?.(data);
    for (const [event, list] of e.since) for (const d of list) h[event]?.(d);
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
