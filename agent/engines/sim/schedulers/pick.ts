// The loop most schedulers share (lc, nq, fo, ovf, wlc, sed, lblc, lblcr's set min/max): walk the
// list once, keep the first usable destination and replace it only by a later one that strictly
// beats it, so ties go to the earliest in list order (newest first), as in the kernel.
import { DEST_F_OVERLOAD, type SchedDest } from './types';

type Overhead = (d: SchedDest) => number;

/** `d` (overhead `doh`) strictly beats the current pick `best` (overhead `boh`). */
type Beats = (doh: number, d: SchedDest, boh: number, best: SchedDest) => boolean;

/** Not over its upper threshold and with weight: what every least-* scheduler may pick. */
export const usable = (d: SchedDest): boolean => (d.flags & DEST_F_OVERLOAD) === 0 && d.weight > 0;

export function pickBest(dests: readonly SchedDest[], eligible: (d: SchedDest) => boolean, overhead: Overhead, beats: Beats): SchedDest | null {
  let best: SchedDest | null = null;
  let boh = 0;
  for (const d of dests) {
    if (!eligible(d)) continue;
    const doh = overhead(d);
    if (best === null || beats(doh, d, boh, best)) {
      best = d;
      boh = doh;
    }
  }
  return best;
}

/** boh/w(best) > doh/w(d), compared by cross-multiplying as the kernel does. */
export const lowerPerWeight: Beats = (doh, d, boh, best) => boh * d.weight > doh * best.weight;

/** The highest weight wins (fo, ovf). */
export const weightOf: Overhead = (d) => d.weight;
export const higher: Beats = (doh, _d, boh) => doh > boh;

/**
 * The "weighted least overhead" walk of wlc, sed, lblc and lblcr (__ip_vs_lblc_schedule is the
 * same code as wlc). The kernel also walks weight-0 destinations after the first pick, but a zero
 * weight makes the left side of the comparison 0, so they never win and skipping them is the same.
 */
export function weightedLeast(dests: readonly SchedDest[], overhead: Overhead, eligible: (d: SchedDest) => boolean = usable): SchedDest | null {
  return pickBest(dests, eligible, overhead, lowerPerWeight);
}
