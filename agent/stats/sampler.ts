// Samples the engine's counters on a fixed period, keeps a bounded backlog for the control plane
// (oldest dropped first when it is unreachable), and derives per-interval rates from counter deltas
// next to the kernel's own estimator (which averages over ~8 s and updates every 2 s).
import type { Counters, StatsSnapshot } from '@/lib/ipvs/stats';
import { serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';

export interface DeltaRates {
  cps: number;
  inpps: number;
  outpps: number;
  inbps: number;
  outbps: number;
}

/** Per-second rates between two cumulative counter readings; null when a counter went backwards (-Z, re-created). */
export function deltaRates(prev: Counters, cur: Counters, dtMs: number): DeltaRates | null {
  if (dtMs <= 0) return null;
  const keys = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'] as const;
  for (const k of keys) if (cur[k] < prev[k]) return null;
  const per = (k: (typeof keys)[number]) => ((cur[k] - prev[k]) * 1000) / dtMs;
  return { cps: per('conns'), inpps: per('inPkts'), outpps: per('outPkts'), inbps: per('inBytes'), outbps: per('outBytes') };
}

/** Delta rates of every service ("svc" key) and real server ("svc#rs" key) between two snapshots. */
export function snapshotDeltaRates(prev: StatsSnapshot, cur: StatsSnapshot): Map<string, DeltaRates> {
  const out = new Map<string, DeltaRates>();
  const dt = cur.at - prev.at;
  const prevIdx = new Map<string, Counters>();
  for (const s of prev.services) {
    const sk = serviceKeyId(s.service);
    prevIdx.set(sk, s.counters);
    for (const r of s.realServers) prevIdx.set(serverKeyId(sk, r), r.counters);
  }
  const totals = deltaRates(prev.totals.counters, cur.totals.counters, dt);
  if (totals) out.set('', totals);
  for (const s of cur.services) {
    const sk = serviceKeyId(s.service);
    const p = prevIdx.get(sk);
    const d = p && deltaRates(p, s.counters, dt);
    if (d) out.set(sk, d);
    for (const r of s.realServers) {
      const rk = serverKeyId(sk, r);
      const pr = prevIdx.get(rk);
      const dr = pr && deltaRates(pr, r.counters, dt);
      if (dr) out.set(rk, dr);
    }
  }
  return out;
}

/** Rough size of a snapshot in rows (one per service and per real server), the unit of the memory bound. */
export function snapshotRows(s: StatsSnapshot): number {
  let n = 1;
  for (const svc of s.services) n += 1 + svc.realServers.length;
  return n;
}

/**
 * FIFO of samples waiting to be shipped, bounded both in samples and in rows so a director with
 * thousands of real servers cannot exhaust memory during a long control-plane outage.
 */
export class SampleBuffer {
  private items: StatsSnapshot[] = [];
  private rows = 0;
  dropped = 0;

  constructor(
    private readonly maxSamples: number,
    private readonly maxRows: number,
  ) {}

  push(s: StatsSnapshot): void {
    this.items.push(s);
    this.rows += snapshotRows(s);
    while (this.items.length > 1 && (this.items.length > this.maxSamples || this.rows > this.maxRows)) {
      const old = this.items.shift()!;
      this.rows -= snapshotRows(old);
      this.dropped++;
    }
  }

  /** The oldest n samples, left in place until commit(n) (so a failed POST loses nothing). */
  peek(n: number): StatsSnapshot[] {
    return this.items.slice(0, n);
  }

  /** Forget the oldest n samples (after they were delivered). */
  commit(n: number): void {
    const gone = this.items.splice(0, n);
    for (const s of gone) this.rows -= snapshotRows(s);
  }

  get size(): number {
    return this.items.length;
  }
}

export interface StatsSamplerOptions {
  read: () => Promise<StatsSnapshot>;
  intervalMs: number;
  /** where in each interval of the wall clock a tick falls (ms; default: random in its middle half) */
  phase?: number;
  buffer: SampleBuffer;
  onSample?: (s: StatsSnapshot) => void;
  onError?: (e: Error) => void;
}

export class StatsSampler {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private prev: StatsSnapshot | null = null;
  latest: StatsSnapshot | null = null;
  private deltas: Map<string, DeltaRates> | null = null;
  /**
   * Rates over the last sampling interval, keyed "" (totals), "svc" or "svc#rs". Computed when
   * asked (a /metrics scrape), not at every tick: keying 33,000 rows builds as many strings.
   */
  get rates(): Map<string, DeltaRates> {
    this.deltas ??= this.prev && this.latest ? snapshotDeltaRates(this.prev, this.latest) : new Map();
    return this.deltas;
  }
  errors = 0;
  /** Ticks that found the previous sample still being read, and so took none (/metrics shows it). */
  skippedTicks = 0;
  /** How long the last successful sample took to read. */
  lastDurationMs: number | null = null;

  constructor(private readonly opts: StatsSamplerOptions) {
    this.phase = opts.phase ?? (0.25 + Math.random() / 2) * opts.intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.schedule(true);
    void this.sample();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Ticks fall at a fixed point inside each interval of the wall clock, between its first and last
   * quarter (12.4 s, 13.4 s, … at 1 Hz), so a tick that runs up to a quarter interval late still
   * lands in its own second. setInterval drifts by each tick's lateness until a tick crosses a
   * second: then one second got two samples (the console keeps one) and the next none, a hole in
   * its per-second series. The point is random per sampler: many agents in one process (the
   * proofs' fleet) do not all read at the same instant.
   */
  private readonly phase: number;

  private schedule(first = false): void {
    const every = this.opts.intervalMs;
    const now = Date.now();
    let delay = every - ((((now - this.phase) % every) + every) % every);
    // the first tick is at least half an interval after start's own sample (never the same second)
    if (first && delay < every / 2) delay += every;
    this.timer = setTimeout(() => {
      this.schedule();
      void this.sample();
    }, delay);
    this.timer.unref?.();
  }

  /**
   * Take one sample now. The sampler never overlaps itself: a tick that comes while a slow read is
   * still running is skipped and counted, so reads never pile up behind each other.
   */
  async sample(): Promise<StatsSnapshot | null> {
    if (this.busy) {
      this.skippedTicks++;
      return null;
    }
    this.busy = true;
    const started = performance.now();
    try {
      const s = await this.opts.read();
      this.lastDurationMs = performance.now() - started;
      this.prev = this.latest;
      this.latest = s;
      this.deltas = null;
      this.opts.buffer.push(s);
      this.opts.onSample?.(s);
      return s;
    } catch (e) {
      this.errors++;
      this.opts.onError?.(e as Error);
      return null;
    } finally {
      this.busy = false;
    }
  }
}

/**
 * Take `samples` samples through a StatsSampler, `intervalMs` apart, as the daemon does (so the
 * first is cold and the rest run with warm code and open sockets), calling `each` with every sample
 * and its read time. Keeps the process alive meanwhile (the sampler's own timer does not); the
 * first failed read ends it. Resolves with the ticks skipped because a read was still running.
 */
export function sampleRepeatedly(read: () => Promise<StatsSnapshot>, samples: number, intervalMs: number, each: (s: StatsSnapshot, readMs: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let taken = 0;
    const hold = setInterval(() => {}, 1 << 30);
    const end = () => {
      sampler.stop();
      clearInterval(hold);
    };
    const sampler = new StatsSampler({
      read,
      intervalMs,
      buffer: new SampleBuffer(1, Number.MAX_SAFE_INTEGER),
      onSample: (s) => {
        each(s, sampler.lastDurationMs!);
        if (++taken < samples) return;
        end();
        resolve(sampler.skippedTicks);
      },
      onError: (e) => {
        end();
        reject(e);
      },
    });
    sampler.start();
  });
}
