// nq — never queue (ip_vs_nq.c): the first idle destination (no active connections) at once,
// otherwise shortest expected delay.
import { DEST_F_OVERLOAD, type SchedDest, type Scheduler } from './types';
import { sedOverhead } from './sed';

export const nq: Scheduler<null> = {
  name: 'nq',
  init: () => null,
  schedule(svc) {
    let least: SchedDest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if ((d.flags & DEST_F_OVERLOAD) !== 0 || d.weight === 0) continue;
      const doh = sedOverhead(d);
      if (d.activeConns === 0) return d;
      if (least === null || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  },
};
