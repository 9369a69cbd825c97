// lc — least connection (ip_vs_lc.c): the smallest active×256+inactive; weight counts only as 0 / not 0.
import { connOverhead, type Scheduler } from './types';
import { pickBest, usable } from './pick';

export const lc: Scheduler<null> = {
  name: 'lc',
  init: () => null,
  schedule: (svc) => pickBest(svc.dests, usable, connOverhead, (doh, _d, loh) => doh < loh),
};
