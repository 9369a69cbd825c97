import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DirectorConfigSchema } from '../lib/ipvs/model';
import { configHash } from '../lib/ipvs/hash';
import { PROTOCOL_VERSION, protocolMismatch, type DesiredRevision, type Report } from '../lib/protocol/messages';
import type { StatsSnapshot } from '../lib/ipvs/stats';
import { FakeControlPlane } from './testing/fake-control-plane';
import { MemoryControlPlane } from './testing/memory-control-plane';
import { Transport, type TransportOptions } from './transport';
import { SampleBuffer } from './stats/sampler';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const config = DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80 }] });
const rev = (n: number): DesiredRevision => ({ cluster: 'c1', revision: n, hash: configHash(config), createdAt: new Date(0).toISOString(), driftPolicy: 'enforce', config });
const hello = (n: number | null): Report => ({
  type: 'hello',
  lastAppliedRevision: n,
  capabilities: { agentVersion: 't', engine: 'sim', hostname: 'h', kernel: 'k', ipvsVersion: '1.2.1', ipvsadmVersion: null, connTableSize: 4096, schedulers: ['rr'] },
});
const snap = (at: number): StatsSnapshot => ({
  at,
  totals: { counters: { conns: at, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 }, rates: { cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 } },
  services: [],
});

let cp: FakeControlPlane | null = null;
let t: Transport | null = null;
afterEach(async () => {
  await t?.stop();
  await cp?.close();
  t = null;
  cp = null;
});

function transport(over: Partial<TransportOptions> & { server: string }): { t: Transport; desired: DesiredRevision[]; bad: string[]; reconciles: string[] } {
  const desired: DesiredRevision[] = [];
  const bad: string[] = [];
  const reconciles: string[] = [];
  const tr = new Transport({
    token: 'secret-token',
    hello: () => hello(7),
    onDesired: (r) => desired.push(r),
    onBadDesired: (i) => bad.push(i.message),
    onReconcile: (r) => reconciles.push(r),
    onConnQuery: () => {},
    log: quiet,
    backoff: { baseMs: 20, maxMs: 200 },
    statsFlushMs: 50,
    ...over,
  });
  return { t: tr, desired, bad, reconciles };
}

describe('Transport', () => {
  it('says hello on connect, receives events, posts reports with the bearer token', async () => {
    cp = new FakeControlPlane();
    await cp.listen();
    cp.desired = rev(1);
    const x = transport({ server: cp.url });
    t = x.t;
    t.start();
    await cp.waitFor(() => cp!.reportsOf('hello').length === 1, 5000, 'hello');
    expect(cp.reportsOf('hello')[0]!.lastAppliedRevision).toBe(7);
    await new Promise((r) => setTimeout(r, 50));
    expect(x.desired.map((d) => d.revision)).toEqual([1]);
    cp.publish(rev(2));
    cp.send('reconcile', { reason: 'operator asked' });
    cp.send('desired', { revision: 3, hash: 'sha256:x', config: { services: [{ protocol: 'tcp', address: 'nope', port: 80 }] } });
    await new Promise((r) => setTimeout(r, 100));
    expect(x.desired.map((d) => d.revision)).toEqual([1, 2]);
    expect(x.reconciles).toEqual(['operator asked']);
    expect(x.bad[0]).toMatch(/invalid desired revision: .*config\.services\[0\]\.address/);
    t.report({ type: 'ack', revision: 2, hash: 'h', opsApplied: 1, durationMs: 3 });
    await cp.waitFor(() => cp!.reportsOf('ack').length === 1, 5000, 'ack');
    expect(cp.invalid).toEqual([]);
  });

  it('keeps reports and stats while the control plane is down, coalescing state, and delivers them after reconnecting', async () => {
    cp = new FakeControlPlane();
    await cp.listen();
    const buffer = new SampleBuffer(3, 1000);
    const x = transport({ server: cp.url, stats: buffer });
    t = x.t;
    t.start();
    await cp.waitFor(() => cp!.reportsOf('hello').length === 1, 5000, 'first hello');
    cp.failWith = 503;
    cp.dropStreams();
    for (let i = 1; i <= 5; i++) buffer.push(snap(i)); // bound 3: 1 and 2 are dropped
    t.report({ type: 'nack', revision: 4, hash: 'h', failedOp: null, command: '', message: 'm', exitCode: null, opsApplied: 0 });
    t.report({ type: 'state', actual: config, drift: null });
    t.report({ type: 'state', actual: DirectorConfigSchema.parse({}), drift: null });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.connected).toBe(false);
    expect(t.pendingReports).toBe(2); // the nack + only the newest state
    cp.failWith = null;
    await cp.waitFor(() => cp!.reportsOf('hello').length === 2 && cp!.reportsOf('state').length === 1 && cp!.stats.length > 0, 5000, 'redelivery');
    expect(cp.reportsOf('nack')).toHaveLength(1);
    expect(cp.reportsOf('state')[0]!.actual.services).toEqual([]);
    expect(cp.stats.flatMap((b) => b.samples.map((s) => s.at))).toEqual([3, 4, 5]);
    // hello came before the reports that waited
    const types = cp.reports.map((r) => r.type);
    expect(types.lastIndexOf('hello')).toBeLessThan(types.indexOf('nack'));
  });

  it('names a refused token and keeps retrying', async () => {
    cp = new FakeControlPlane('other-token');
    await cp.listen();
    const errors: string[] = [];
    const x = transport({ server: cp.url, log: { ...quiet, error: (m) => errors.push(m) } });
    t = x.t;
    t.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(t.unauthorized).toBe(true);
    expect(errors[0]).toMatch(/refused the director token \(HTTP 401/);
    expect(errors).toHaveLength(1);
  });

  it('reconnects after the server closes the stream or goes silent', async () => {
    cp = new FakeControlPlane();
    await cp.listen();
    const x = transport({ server: cp.url, idleTimeoutMs: 150 });
    t = x.t;
    t.start();
    await cp.waitFor(() => cp!.streamConnects >= 1, 5000, 'connect');
    cp.dropStreams();
    await cp.waitFor(() => cp!.streamConnects >= 2, 5000, 'reconnect after close');
    await cp.waitFor(() => cp!.streamConnects >= 3, 5000, 'reconnect after silence'); // no keep-alives sent
    expect(cp.reportsOf('hello').length).toBeGreaterThanOrEqual(2);
  });

  it('stops, once and loudly, when the console refuses its protocol version', async () => {
    cp = new FakeControlPlane();
    await cp.listen();
    cp.desired = rev(1);
    const errors: string[] = [];
    const refused: string[] = [];
    const x = transport({
      server: cp.url,
      hello: () => ({ ...hello(7), protocolVersion: PROTOCOL_VERSION + 1 }),
      log: { ...quiet, error: (m: string) => errors.push(m) },
      onRefused: (why) => refused.push(why),
    });
    t = x.t;
    t.start();
    t.report({ type: 'health', states: [] });
    await cp.waitFor(() => cp!.refusedHellos === 1, 5000, 'refused hello');
    await new Promise((r) => setTimeout(r, 500)); // several backoff periods (20-200 ms): a spinning agent would reconnect
    expect(cp.streamConnects).toBe(1);
    expect(cp.refusedHellos).toBe(1);
    expect(cp.reports).toEqual([]); // nothing else was sent to a console that refused the agent
    expect(refused).toEqual([expect.stringContaining(`the agent speaks protocol version ${PROTOCOL_VERSION + 1} and this console speaks ${PROTOCOL_VERSION}`)]);
    expect(errors).toEqual([expect.stringMatching(/control plane refused this agent .*not retrying/)]);
  });

  it("is accepted when it speaks the console's protocol version (or none, as agents before versioning)", async () => {
    cp = new FakeControlPlane();
    await cp.listen();
    const x = transport({ server: cp.url, hello: () => ({ ...hello(7), protocolVersion: PROTOCOL_VERSION }) });
    t = x.t;
    t.start();
    await cp.waitFor(() => cp!.reportsOf('hello').length === 1, 5000, 'hello');
    expect(cp.reportsOf('hello')[0]!.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(protocolMismatch(undefined)).toBeNull();
  });
});

// Under fake timers with an in-process control plane: every wait is a counted timer step.
describe('Transport retry timing (fake timers)', () => {
  const worstJitter = () => 0.999_999; // every backoff waits its full cap
  const ack = (n: number): Report => ({ type: 'ack', revision: n, hash: 'h', opsApplied: 1, durationMs: 3 });
  /** Let promises (fetch, body reads) settle without moving the clock. */
  const settle = async () => {
    for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(0);
  };
  const gaps = (at: number[]) => at.slice(1).map((x, i) => x - at[i]!);

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await t?.stop();
    t = null;
    vi.useRealTimers();
  });

  /** A started transport over a fresh memory console, flushing a 100-sample stats buffer every 5 s. */
  async function startWithStats(over: Partial<TransportOptions> = {}) {
    const mem = new MemoryControlPlane();
    const buffer = new SampleBuffer(100, 100_000);
    const transport = memoryTransport(mem, { stats: buffer, statsFlushMs: 5000, ...over });
    t = transport;
    transport.start();
    await settle();
    return { mem, buffer, transport };
  }

  function memoryTransport(mem: MemoryControlPlane, over: Partial<TransportOptions> = {}): Transport {
    return new Transport({
      server: 'http://console.test',
      token: 'secret-token',
      hello: () => hello(7),
      onDesired: () => {},
      onBadDesired: () => {},
      onReconcile: () => {},
      onConnQuery: () => {},
      log: quiet,
      fetch: mem.fetch,
      backoff: { baseMs: 500, maxMs: 30_000, random: worstJitter }, // the production defaults, worst-case jitter
      ...over,
    });
  }

  it('delivers an ACK queued right after a failed POST on the first short retry, not on the 5 s stats timer', async () => {
    const mem = new MemoryControlPlane();
    t = memoryTransport(mem);
    t.start();
    await settle();
    expect(mem.reports.map((r) => r.type)).toEqual(['hello']);
    mem.failNext('report');
    t.report({ type: 'state', actual: config, drift: null });
    await settle(); // the state POST failed: it stays queued, a retry is scheduled
    t.report(ack(2));
    await settle();
    expect(mem.reports.map((r) => r.type)).toEqual(['hello']); // the ack waits behind the state, in order
    await vi.advanceTimersByTimeAsync(249);
    expect(mem.reports.map((r) => r.type)).toEqual(['hello']);
    await vi.advanceTimersByTimeAsync(1); // one retry step: ≤ 250 ms
    expect(mem.reports.map((r) => r.type)).toEqual(['hello', 'state', 'ack']);
    expect(mem.invalid).toEqual([]);
  });

  it('sends a report at once while stats POSTs keep failing and backing off', async () => {
    const { mem, buffer, transport } = await startWithStats();
    for (let i = 1; i <= 3; i++) buffer.push(snap(i));
    mem.failNext('stats', 3);
    for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(5000); // three stats flushes, three failures
    expect(mem.stats).toEqual([]);
    expect(buffer.size).toBe(3);
    transport.report(ack(2));
    await settle(); // no timer step at all
    expect(mem.reportsOf('ack')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000); // the stats backoff (≤ 4 s now) runs out; the samples follow
    expect(mem.stats.flatMap((b) => b.samples.map((s) => s.at))).toEqual([1, 2, 3]);
  });

  it('holds stats until the console has taken the hello of the connection', async () => {
    const mem = new MemoryControlPlane();
    const buffer = new SampleBuffer(100, 100_000);
    for (let i = 1; i <= 3; i++) buffer.push(snap(i));
    mem.failNext('report', 3, 503); // the restarted console is not ready for the first hellos
    t = memoryTransport(mem, { stats: buffer, statsFlushMs: 100 });
    t.start();
    await settle();
    await vi.advanceTimersByTimeAsync(300); // three flush periods, the hello still refused
    expect(mem.reportsOf('hello')).toHaveLength(0);
    expect(mem.stats).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(mem.reportsOf('hello')).toHaveLength(1);
    expect(mem.stats.flatMap((b) => b.samples.map((x) => x.at))).toEqual([1, 2, 3]);
  });

  it('halves a stats batch the console refuses as too large (413) until it fits, and still drains the backlog', async () => {
    const { mem, buffer } = await startWithStats({ statsBatchMax: 8 });
    for (let i = 1; i <= 8; i++) buffer.push(snap(i));
    mem.failNext('stats', 2, 413); // 8 samples refused, then 4 refused: batches of 2 fit
    await vi.advanceTimersByTimeAsync(5000);
    expect(mem.stats.map((b) => b.samples.length)).toEqual([2, 4, 2]); // 2 fit; the cap grows back after each success
    expect(mem.stats.flatMap((b) => b.samples.map((s) => s.at))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(buffer.size).toBe(0);
    expect(buffer.dropped).toBe(0);
  });

  it('drops a single stats sample the console refuses as too large instead of retrying it forever', async () => {
    const { mem, buffer } = await startWithStats();
    buffer.push(snap(1));
    mem.failNext('stats', 1, 413);
    await vi.advanceTimersByTimeAsync(5000);
    expect(buffer.size).toBe(0);
    expect(buffer.dropped).toBe(1);
    buffer.push(snap(2));
    await vi.advanceTimersByTimeAsync(5000);
    expect(mem.stats.flatMap((b) => b.samples.map((s) => s.at))).toEqual([2]);
  });

  it('sends stats as a compact rows batch, and as snapshots to a console that refuses that shape', async () => {
    const mem = new MemoryControlPlane();
    const buffer = new SampleBuffer(100, 100_000);
    const warnings: string[] = [];
    t = memoryTransport(mem, { stats: buffer, statsFlushMs: 5000, log: { ...quiet, warn: (m) => warnings.push(m) } });
    t.start();
    await settle();
    buffer.push(snap(1));
    buffer.push(snap(2));
    await vi.advanceTimersByTimeAsync(5000);
    expect(mem.statsBodies.map((b) => b.format)).toEqual(['rows']);
    expect(mem.stats.flatMap((b) => b.samples)).toEqual([snap(1), snap(2)]);
    mem.snapshotStatsOnly = true; // an older console
    buffer.push(snap(3));
    await vi.advanceTimersByTimeAsync(5000);
    expect(mem.statsBodies.map((b) => b.format)).toEqual(['rows', undefined]);
    expect(mem.stats.flatMap((b) => b.samples.map((s) => s.at))).toEqual([1, 2, 3]);
    expect(warnings.filter((w) => w.includes('refused a compact stats batch'))).toHaveLength(1);
    expect(buffer.size).toBe(0);
  });

  it('reconnects with a low cap for 10 s after losing a healthy stream, then backs off as usual', async () => {
    const mem = new MemoryControlPlane();
    t = memoryTransport(mem);
    t.start();
    await settle();
    expect(mem.reportsOf('hello')).toHaveLength(1); // healthy: the console took our hello
    mem.down = 503; // the console restarts
    mem.dropStreams();
    await settle();
    const lostAt = Date.now();
    await vi.advanceTimersByTimeAsync(10_000);
    const quick = mem.streamAttempts.slice(1);
    expect(quick.length).toBeGreaterThanOrEqual(11);
    expect(Math.max(...gaps([lostAt, ...quick]))).toBeLessThanOrEqual(1000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(Math.max(...gaps(mem.streamAttempts.slice(1)))).toBeGreaterThan(1000); // then the normal backoff
    mem.down = null;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.connected).toBe(true);
    expect(mem.reportsOf('hello')).toHaveLength(2);
  });

  it('puts hello ahead of a report queued the moment the stream comes up', async () => {
    const mem = new MemoryControlPlane();
    t = memoryTransport(mem, { onConnectionChange: (up) => (up ? t!.report({ type: 'health', states: [] }) : undefined) });
    t.start();
    await settle();
    mem.dropStreams();
    await vi.advanceTimersByTimeAsync(1000);
    expect(mem.reports.map((r) => r.type)).toEqual(['hello', 'health', 'hello', 'health']);
  });

  it('uses the normal backoff when the stream was never healthy', async () => {
    const mem = new MemoryControlPlane();
    mem.down = 503;
    t = memoryTransport(mem);
    t.start();
    await vi.advanceTimersByTimeAsync(10_000);
    // 0.5, 1, 2, 4 s: no quick phase for a console that never answered
    expect(gaps(mem.streamAttempts)).toEqual([500, 1000, 2000, 4000]);
  });
});
