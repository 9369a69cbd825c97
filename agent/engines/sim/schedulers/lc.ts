// lc — least connection (ip_vs_lc.c): the smallest active×256+inactive; weight counts only as 0 / not 0.
import { DEST_F_OVERLOAD, connOverhead, type SchedDest, type Scheduler } from './types';

export const lc: Scheduler<null> = {
  name: 'lc',
  init: () => null,
  schedule(svc) {
    let least: SchedDest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if ((d.flags & DEST_F_OVERLOAD) !== 0 || d.weight === 0) continue;
      const doh = connOverhead(d);
      if (least === null || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  },
};
