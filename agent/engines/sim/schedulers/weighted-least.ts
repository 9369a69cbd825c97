// The "weighted least overhead" walk shared by wlc, sed, lblc and lblcr (__ip_vs_lblc_schedule is
// the same code as wlc): start from the first usable destination, then take any later one whose
// overhead/weight is strictly smaller, compared by cross-multiplying.
import { DEST_F_OVERLOAD, type SchedDest } from './types';

export function weightedLeast(dests: readonly SchedDest[], overhead: (d: SchedDest) => number): SchedDest | null {
  let i = 0;
  let least: SchedDest | null = null;
  for (; i < dests.length; i++) {
    const d = dests[i]!;
    if ((d.flags & DEST_F_OVERLOAD) === 0 && d.weight > 0) {
      least = d;
      break;
    }
  }
  if (least === null) return null;
  let loh = overhead(least);
  for (i++; i < dests.length; i++) {
    const d = dests[i]!;
    if ((d.flags & DEST_F_OVERLOAD) !== 0) continue;
    const doh = overhead(d);
    // loh/w(least) > doh/w(d); a weight-0 destination makes the left side 0 and never wins
    if (loh * d.weight > doh * least.weight) {
      least = d;
      loh = doh;
    }
  }
  return least;
}
