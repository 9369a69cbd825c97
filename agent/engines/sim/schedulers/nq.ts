// nq — never queue (ip_vs_nq.c): the first idle destination (no active connections) at once,
// otherwise shortest expected delay (the kernel's single loop returns at the first idle one it meets).
import { type Scheduler } from './types';
import { usable, weightedLeast } from './pick';
import { sedOverhead } from './sed';

export const nq: Scheduler<null> = {
  name: 'nq',
  init: () => null,
  schedule: (svc) => svc.dests.find((d) => usable(d) && d.activeConns === 0) ?? weightedLeast(svc.dests, sedOverhead),
};
