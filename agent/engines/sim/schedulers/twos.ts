// twos — power of two choices (ip_vs_twos.c): draw two destinations with probability by weight,
// keep the one with the lower overhead/weight. Random, so the simulator draws from a seeded PRNG.
import { DEST_F_OVERLOAD, connOverhead, type SchedDest, type Scheduler } from './types';

export const twos: Scheduler<null> = {
  name: 'twos',
  init: () => null,
  schedule(svc, _s, _pkt, env) {
    let total = 0;
    let choice1: SchedDest | null = null;
    for (const d of svc.dests) {
      if ((d.flags & DEST_F_OVERLOAD) === 0 && d.weight > 0) {
        total += d.weight;
        choice1 = d;
      }
    }
    if (choice1 === null) return null;
    // +1 so that the random weights run from 0 to total inclusive
    total += 1;
    let r1 = env.random32() % total;
    let r2 = env.random32() % total;
    let choice2: SchedDest | null = null;
    let w1 = -1,
      w2 = -1,
      oh1 = 0,
      oh2 = 0;
    for (const d of svc.dests) {
      if ((d.flags & DEST_F_OVERLOAD) !== 0 || d.weight <= 0) continue;
      r1 -= d.weight;
      r2 -= d.weight;
      if (r1 <= 0 && w1 === -1) {
        choice1 = d;
        w1 = d.weight;
        oh1 = connOverhead(d);
      }
      if (r2 <= 0 && w2 === -1) {
        choice2 = d;
        w2 = d.weight;
        oh2 = connOverhead(d);
      }
      if (w1 !== -1 && w2 !== -1) break;
    }
    if (choice2 !== null && w2 * oh1 > w1 * oh2) return choice2;
    return choice1;
  },
};
