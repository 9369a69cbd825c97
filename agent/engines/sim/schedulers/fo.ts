// fo — weighted failover (ip_vs_fo.c): the highest weight wins; the earliest in list order on ties.
import { DEST_F_OVERLOAD, type SchedDest, type Scheduler } from './types';

export const fo: Scheduler<null> = {
  name: 'fo',
  init: () => null,
  schedule(svc) {
    let best: SchedDest | null = null;
    let hw = 0;
    for (const d of svc.dests) {
      if ((d.flags & DEST_F_OVERLOAD) === 0 && d.weight > hw) {
        best = d;
        hw = d.weight;
      }
    }
    return best;
  },
};
