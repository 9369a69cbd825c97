// Counters and the kernel's rate estimator (net/netfilter/ipvs/ip_vs_est.c), integer for integer.
//
// What a reader of a real director sees, and so what this reproduces:
// - the counters ipvsadm shows are the estimator's snapshot (kstats), refreshed every 2 s, minus
//   the -Z zero point (kstats0). A connection made 0.5 s ago is not in --stats yet (fixture 214
//   shows exactly that: 12 more requests, same counters);
// - rates are an EWMA with weight 1/4 over 2-s samples, kept scaled (2^10 for conns/packets,
//   2^5 for bytes) and rounded on read;
// - -Z moves the zero point to the last snapshot and restarts the averages at 0.
import { ZERO_COUNTERS, type Counters, type Rates } from '@/lib/ipvs/stats';

/** The estimator's period: every stats object is sampled every 2 s. */
export const ESTIMATOR_PERIOD_MS = 2000;

/** One ip_vs_estimator: last sample and the scaled averages. */
export class RateEstimator {
  /** the counters of the last sample */
  private last: Counters = ZERO_COUNTERS;
  /** scaled by 2^10 */
  cps = 0;
  inpps = 0;
  outpps = 0;
  /** scaled by 2^5 */
  inbps = 0;
  outbps = 0;

  /** One 2-s pass over cumulative counters (estimation_timer / ip_vs_chain_estimation). */
  update(conns: number, inPkts: number, outPkts: number, inBytes: number, outBytes: number): void {
    // Δ per 2 s scaled by 2^10 is Δ << 9; bytes scaled by 2^5 is Δ << 4; then += (rate - avg) >> 2
    const last = this.last;
    this.cps += ewma((conns - last.conns) * 512, this.cps);
    this.inpps += ewma((inPkts - last.inPkts) * 512, this.inpps);
    this.outpps += ewma((outPkts - last.outPkts) * 512, this.outpps);
    this.inbps += ewma((inBytes - last.inBytes) * 16, this.inbps);
    this.outbps += ewma((outBytes - last.outBytes) * 16, this.outbps);
    this.last = { conns, inPkts, outPkts, inBytes, outBytes };
  }

  /** ip_vs_read_estimator: round the scaled averages to units per second. */
  read(): Rates {
    return {
      cps: Math.floor((this.cps + 0x1ff) / 1024),
      inpps: Math.floor((this.inpps + 0x1ff) / 1024),
      outpps: Math.floor((this.outpps + 0x1ff) / 1024),
      inbps: Math.floor((this.inbps + 0xf) / 32),
      outbps: Math.floor((this.outbps + 0xf) / 32),
    };
  }

  /** ip_vs_zero_estimator: the last sample becomes the current counters, averages restart at 0. */
  reset(conns: number, inPkts: number, outPkts: number, inBytes: number, outBytes: number): void {
    this.last = { conns, inPkts, outPkts, inBytes, outBytes };
    this.cps = this.inpps = this.outpps = this.inbps = this.outbps = 0;
  }
}

/** (rate - avg) >> 2 on signed 64-bit: an arithmetic shift floors. */
function ewma(rate: number, avg: number): number {
  return Math.floor((rate - avg) / 4);
}

/**
 * struct ip_vs_stats: live counters (the per-CPU sums), the estimator's snapshot of them, the -Z
 * zero point, and the estimator. One per service, per destination, and one for the totals.
 */
export class IpvsStats {
  // live counters, bumped on every packet / new connection
  conns = 0;
  inPkts = 0;
  outPkts = 0;
  inBytes = 0;
  outBytes = 0;
  /** kstats: what the last estimator pass read */
  private snapshot: Counters = ZERO_COUNTERS;
  /** kstats0: the zero point set by -Z */
  private zeroPoint: Counters = ZERO_COUNTERS;
  readonly est = new RateEstimator();

  /** One estimator pass: snapshot the live counters, then update the averages. */
  estimate(): void {
    const { conns, inPkts, outPkts, inBytes, outBytes } = this;
    this.snapshot = { conns, inPkts, outPkts, inBytes, outBytes };
    this.est.update(conns, inPkts, outPkts, inBytes, outBytes);
  }

  /** ip_vs_zero_stats: the last snapshot becomes the zero point; rates restart. */
  zero(): void {
    const k = (this.zeroPoint = this.snapshot);
    this.est.reset(k.conns, k.inPkts, k.outPkts, k.inBytes, k.outBytes);
  }

  /** What ipvsadm --stats shows: snapshot minus zero point. */
  counters(): Counters {
    const k = this.snapshot;
    const z = this.zeroPoint;
    return { conns: k.conns - z.conns, inPkts: k.inPkts - z.inPkts, outPkts: k.outPkts - z.outPkts, inBytes: k.inBytes - z.inBytes, outBytes: k.outBytes - z.outBytes };
  }

  /** What ipvsadm --rate shows. */
  rates(): Rates {
    return this.est.read();
  }
}
