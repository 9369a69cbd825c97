// ovf — weighted overflow (ip_vs_ovf.c): the highest weight among destinations whose active
// connections do not exceed their weight (weight is the capacity); inactive ones are ignored.
import { type Scheduler } from './types';
import { higher, pickBest, usable, weightOf } from './pick';

export const ovf: Scheduler<null> = {
  name: 'ovf',
  init: () => null,
  schedule: (svc) => pickBest(svc.dests, (d) => usable(d) && d.activeConns <= d.weight, weightOf, higher),
};
