// ovf — weighted overflow (ip_vs_ovf.c): the highest weight among destinations whose active
// connections do not exceed their weight (weight is the capacity); inactive ones are ignored.
import { DEST_F_OVERLOAD, type SchedDest, type Scheduler } from './types';

export const ovf: Scheduler<null> = {
  name: 'ovf',
  init: () => null,
  schedule(svc) {
    let h: SchedDest | null = null;
    for (const d of svc.dests) {
      const w = d.weight;
      if ((d.flags & DEST_F_OVERLOAD) !== 0 || d.activeConns > w || w === 0) continue;
      if (h === null || w > h.weight) h = d;
    }
    return h;
  },
};
