// wrr — weighted round robin (ip_vs_wrr.c): a cursor plus a current weight stepping down by the
// gcd of the weights from the maximum; every destination with weight >= cw is taken in list order.
import { DEST_F_OVERLOAD, gcd, type SchedDest, type SchedService, type Scheduler } from './types';

interface WrrState {
  /** cl: last chosen destination, or null for the list head */
  cl: SchedDest | null;
  /** cw: current weight */
  cw: number;
  /** mw: maximum weight − (di − 1) */
  mw: number;
  /** di: gcd of the positive weights (1 when there are none) */
  di: number;
}

function gcdWeight(svc: SchedService): number {
  let g = 0;
  for (const d of svc.dests) if (d.weight > 0) g = g > 0 ? gcd(d.weight, g) : d.weight;
  return g || 1;
}

function maxWeight(svc: SchedService): number {
  let w = 0;
  for (const d of svc.dests) if (d.weight > w) w = d.weight;
  return w;
}

// ip_vs_wrr_dest_changed: any add/delete/update resets the cursor and rescales cw.
function changed(svc: SchedService, s: WrrState): void {
  s.cl = null;
  s.di = gcdWeight(svc);
  s.mw = maxWeight(svc) - (s.di - 1);
  if (s.cw > s.mw || s.cw === 0) s.cw = s.mw;
  else if (s.di > 1) s.cw = Math.floor(s.cw / s.di) * s.di + 1;
}

export const wrr: Scheduler<WrrState> = {
  name: 'wrr',
  init(svc) {
    const di = gcdWeight(svc);
    const mw = maxWeight(svc) - (di - 1);
    return { cl: null, cw: mw, mw, di };
  },
  addDest: (svc, s) => changed(svc, s),
  delDest: (svc, s) => changed(svc, s),
  updDest: (svc, s) => changed(svc, s),

  schedule(svc, s) {
    if (s.mw === 0) return null;
    const dests = svc.dests;
    const last = s.cl;
    let dest = last;
    let stop: SchedDest | null = null;
    let lastPass = false;
    let restarted = false;
    // Stop only after every destination was checked for weight >= 1 (the last pass).
    for (;;) {
      for (let i = dest === null ? 0 : dest.idx + 1; i < dests.length; i++) {
        const d = dests[i]!;
        if ((d.flags & DEST_F_OVERLOAD) === 0 && d.weight >= s.cw) {
          s.cl = d;
          return d;
        }
        if (d === stop) return null;
      }
      dest = null; // wrapped to the head
      s.cw -= s.di;
      if (s.cw <= 0) {
        s.cw = s.mw;
        // A last pass from the first destination already happened, or we started at the head.
        if (lastPass || last === null) return null;
        restarted = true;
      }
      lastPass = s.cw <= s.di;
      // The first traversal at w >= 1 covered only the destinations after `last`; now do the rest.
      if (lastPass && restarted && last !== null) stop = last;
    }
  },
};
