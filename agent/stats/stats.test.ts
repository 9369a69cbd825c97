import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimEngine } from '../engines/sim';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import { deltaRates, SampleBuffer, sampleRepeatedly, snapshotDeltaRates, StatsSampler } from './sampler';
import { renderMetrics } from './metrics';

const counters = (conns: number, bytes = conns * 100) => ({ conns, inPkts: conns * 3, outPkts: 0, inBytes: bytes, outBytes: 0 });
const rates = (cps: number) => ({ cps, inpps: cps * 3, outpps: 0, inbps: cps * 100, outbps: 0 });
function snap(at: number, conns: number): StatsSnapshot {
  return {
    at,
    totals: { counters: counters(conns * 2), rates: rates(5) },
    services: [
      {
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        counters: counters(conns),
        rates: rates(4),
        realServers: [{ address: '10.0.1.1', port: 80, activeConns: 3, inactConns: 7, persistConns: 1, counters: counters(conns), rates: rates(4) }],
      },
      {
        service: { protocol: 'fwmark', fwmark: 10, family: 'inet' },
        counters: counters(conns),
        rates: rates(1),
        realServers: [{ address: '2001:db8::2', port: 0, activeConns: 0, inactConns: 2, persistConns: 0, counters: counters(conns), rates: rates(1) }],
      },
    ],
  };
}

describe('rates from counter deltas', () => {
  it('divides by the real interval and refuses counters that went backwards', () => {
    expect(deltaRates(counters(100), counters(150), 2000)).toEqual({ cps: 25, inpps: 75, outpps: 0, inbps: 2500, outbps: 0 });
    expect(deltaRates(counters(100), counters(50), 1000)).toBeNull(); // ipvsadm -Z, or re-created
    expect(deltaRates(counters(1), counters(2), 0)).toBeNull();
    const d = snapshotDeltaRates(snap(1000, 10), snap(1500, 20));
    expect(d.get('tcp|10.0.0.1|80')!.cps).toBe(20);
    expect(d.get('tcp|10.0.0.1|80#10.0.1.1|80')!.cps).toBe(20);
    expect(d.get('')!.cps).toBe(40);
  });
});

describe('SampleBuffer', () => {
  it('drops the oldest beyond the sample or row bound and delivers in order', () => {
    const b = new SampleBuffer(3, 1000);
    for (let i = 0; i < 5; i++) b.push(snap(i, i));
    expect(b.size).toBe(3);
    expect(b.dropped).toBe(2);
    expect(b.peek(2).map((s) => s.at)).toEqual([2, 3]);
    b.commit(2);
    expect(b.peek(10).map((s) => s.at)).toEqual([4]);
    const rows = new SampleBuffer(100, 12); // each snapshot is 5 rows
    for (let i = 0; i < 4; i++) rows.push(snap(i, i));
    expect(rows.peek(10).map((s) => s.at)).toEqual([2, 3]);
  });
});

describe('StatsSampler', () => {
  it('never runs two reads at once and counts failures', async () => {
    let release!: () => void;
    let reads = 0;
    const s = new StatsSampler({
      read: () => {
        reads++;
        return new Promise<StatsSnapshot>((r) => {
          release = () => r(snap(reads, reads));
        });
      },
      intervalMs: 1000,
      buffer: new SampleBuffer(10, 1000),
    });
    const first = s.sample();
    expect(await s.sample()).toBeNull();
    expect(await s.sample()).toBeNull();
    expect(s.skippedTicks).toBe(2);
    expect(reads).toBe(1);
    release();
    expect((await first)!.at).toBe(1);
    expect(s.lastDurationMs).toBeGreaterThanOrEqual(0);
    const failing = new StatsSampler({
      read: async () => {
        throw new Error('boom');
      },
      intervalMs: 1000,
      buffer: new SampleBuffer(1, 1),
    });
    expect(await failing.sample()).toBeNull();
    expect(failing.errors).toBe(1);
  });

  it('sampleRepeatedly takes exactly N samples in order, each with its read time, and stops', async () => {
    let reads = 0;
    const got: [number, number][] = [];
    const skipped = await sampleRepeatedly(
      async () => snap(++reads, reads),
      3,
      5,
      (s, readMs) => got.push([s.at, readMs]),
    );
    expect(got.map(([at]) => at)).toEqual([1, 2, 3]);
    expect(got.every(([, ms]) => ms >= 0)).toBe(true);
    expect(skipped).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(reads).toBe(3); // the sampler was stopped: no read after the last sample
  });

  it('sampleRepeatedly counts the ticks a slow read skipped, and a failed read ends it', async () => {
    let reads = 0;
    const slow = () => new Promise<StatsSnapshot>((r) => setTimeout(() => r(snap(++reads, reads)), 40));
    expect(await sampleRepeatedly(slow, 2, 10, () => {})).toBeGreaterThan(0);
    await expect(
      sampleRepeatedly(
        async () => {
          throw new Error('no IPVS');
        },
        3,
        5,
        () => {},
      ),
    ).rejects.toThrow('no IPVS');
  });
});

describe('one sample per second of the wall clock', () => {
  afterEach(() => vi.useRealTimers());

  it('ticks at a fixed point inside each second (a tick up to 250 ms late still lands in its own second)', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(10_999); // started on a second's edge, where setInterval's drift crosses it
    const at: number[] = [];
    const s = new StatsSampler({
      read: async () => {
        at.push(Date.now());
        return snap(Date.now(), 1);
      },
      intervalMs: 1000,
      phase: 500,
      buffer: new SampleBuffer(100, 1000),
    });
    s.start();
    await vi.advanceTimersByTimeAsync(6000);
    s.stop();
    const seconds = at.map((t) => Math.floor(t / 1000));
    expect(seconds).toEqual(seconds.map((_, i) => seconds[0]! + i)); // consecutive, none twice, none skipped
    expect(at.slice(1).every((t) => t % 1000 === 500)).toBe(true);
  });

  it('the simulated kernel dates a read when it happens, not at its last 250 ms step', async () => {
    let now = 1_000_000;
    const sim = new SimEngine({ clock: () => now, traffic: 'none' });
    sim.start();
    now += 990;
    expect((await sim.readStats()).at).toBe(now);
    sim.stop();
  });
});

describe('renderMetrics', () => {
  const live = DirectorConfigSchema.parse({
    services: [
      { protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1', weight: 3 }] },
      { protocol: 'fwmark', fwmark: 10, persistence: {}, realServers: [{ address: '2001:db8::2', forwarding: 'tunnel' }] },
    ],
  });
  let text = '';
  beforeAll(async () => {
    text = await renderMetrics({
      snapshot: snap(2000, 20),
      live,
      deltas: snapshotDeltaRates(snap(1000, 10), snap(2000, 20)),
      health: [{ service: { protocol: 'tcp', address: '10.0.0.1', port: 80 }, server: { address: '10.0.1.1', port: 80 }, healthy: false, reason: 'x', since: 'a', lastCheck: 'b' }],
      agent: {
        appliedRevision: 4,
        desiredRevision: 5,
        drift: true,
        connected: false,
        reconciles: { ok: 2, failed: 1 },
        lastReconcileSeconds: 12,
        statsDropped: 0,
        statsErrors: 0,
        statsSkippedTicks: 3,
        statsSampleSeconds: 0.25,
      },
    });
  });

  it('uses node_exporter names and labels for the IPVS series', () => {
    expect(text).toContain('# TYPE node_ipvs_connections_total counter\nnode_ipvs_connections_total 40\n');
    expect(text).toContain('node_ipvs_backend_connections_active{local_address="10.0.0.1",local_port="80",remote_address="10.0.1.1",remote_port="80",proto="TCP",local_mark=""} 3');
    expect(text).toContain('node_ipvs_backend_connections_inactive{local_address="",local_port="0",remote_address="2001:db8::2",remote_port="0",proto="FWM",local_mark="0000000A"} 2');
    expect(text).toContain('node_ipvs_backend_weight{local_address="10.0.0.1",local_port="80",remote_address="10.0.1.1",remote_port="80",proto="TCP",local_mark=""} 3');
  });

  it('adds both kinds of rates, health and agent state, each family declared once', () => {
    expect(text).toMatch(/lvs_service_connections_per_second\{protocol="tcp",address="10.0.0.1",port="80",fwmark="",family="inet",source="kernel"\} 4/);
    expect(text).toMatch(/lvs_service_connections_per_second\{protocol="tcp",address="10.0.0.1",port="80",fwmark="",family="inet",source="delta"\} 10/);
    expect(text).toContain('lvs_backend_healthy{protocol="tcp",address="10.0.0.1",port="80",fwmark="",family="inet",server_address="10.0.1.1",server_port="80"} 0');
    expect(text).toContain('lvs_agent_applied_revision 4');
    expect(text).toContain('lvs_agent_reconciles_total{result="failed"} 1');
    expect(text).toContain('# TYPE lvs_agent_stats_skipped_ticks_total counter\nlvs_agent_stats_skipped_ticks_total 3\n');
    expect(text).toContain('lvs_agent_stats_sample_duration_seconds 0.25');
    const types = text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    expect(new Set(types).size).toBe(types.length);
    // every sample line is "name{labels} number"
    for (const l of text.split('\n').filter((x) => x && !x.startsWith('#'))) expect(l).toMatch(/^[a-z_]+(\{.*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/);
  });
});
