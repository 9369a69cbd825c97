// The table feed reads real servers' rows only while a stream asked for them: a services-only
// watcher costs a quarter of the rows, and a stream that asks for them later still gets them all.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StatsSnapshot } from '../ipvs/stats';
import type { SseSink } from './sse';
import { statsStore } from './stats';
import { tableFeed } from './stats-table-feed';

const zero = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
const rates = (n: number) => ({ cps: n, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });
const snap = (at: number, n: number): StatsSnapshot => ({
  at,
  totals: { counters: zero, rates: rates(n) },
  services: [
    {
      service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
      counters: zero,
      rates: rates(n),
      realServers: ['10.0.1.1', '10.0.1.2'].map((address, i) => ({ address, port: 80, activeConns: n + i, inactConns: 0, persistConns: 0, counters: zero, rates: rates(n) })),
    },
  ],
});

function sink() {
  const events: { event: string; data: { rows: [string, ...number[]][] } }[] = [];
  const s: SseSink = {
    send: (f) => {
      const [head, data] = new TextDecoder().decode(f).split('\n');
      events.push({ event: head!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) });
      return true;
    },
    ping: () => {},
    close: () => {},
    closed: false,
  };
  return { s, events, keys: (i: number) => events[i]!.data.rows.map((r) => r[0]).sort() };
}

const stops: (() => void)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  stops.splice(0).forEach((f) => f());
  statsStore.reset();
});

describe('the table feed', () => {
  it('adds real servers when a stream first asks for them, and their changes reach only that stream', async () => {
    const now = Date.now();
    await statsStore.ingest('d1', 'c1', [snap(now - 1000, 1)]);
    const services = sink();
    const all = sink();
    stops.push(tableFeed.subscribe('c1', 'services', services.s));
    expect(services.keys(0)).toEqual(['tcp|10.0.0.1|80']);
    stops.push(tableFeed.subscribe('c1', 'all', all.s));
    expect(all.keys(0)).toEqual(['tcp|10.0.0.1|80', 'tcp|10.0.0.1|80#10.0.1.1|80', 'tcp|10.0.0.1|80#10.0.1.2|80']);
    await statsStore.ingest('d1', 'c1', [snap(now, 5)]);
    tableFeed.tick(now);
    expect(all.events.map((e) => e.event)).toEqual(['table', 'table-delta']);
    expect(all.keys(1)).toEqual(['tcp|10.0.0.1|80', 'tcp|10.0.0.1|80#10.0.1.1|80', 'tcp|10.0.0.1|80#10.0.1.2|80']);
    expect(all.events[1]!.data.rows.find((r) => r[0] === 'tcp|10.0.0.1|80#10.0.1.2|80')![1]).toBe(6);
    expect(services.keys(1)).toEqual(['tcp|10.0.0.1|80']);
  });

  it('reads no real-server rows while every stream shows services only', async () => {
    const now = Date.now();
    await statsStore.ingest('d1', 'c1', [snap(now - 1000, 1)]);
    const read = vi.spyOn(statsStore, 'currentRows');
    stops.push(tableFeed.subscribe('c1', 'services', sink().s));
    tableFeed.tick(now);
    expect(read.mock.calls.map((c) => c[1])).toEqual([false, false]);
  });
});
