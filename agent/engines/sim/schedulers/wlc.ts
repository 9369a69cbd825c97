// wlc — weighted least connection (ip_vs_wlc.c), ipvsadm's default: minimise (active×256+inactive)/weight.
import { connOverhead, type Scheduler } from './types';
import { weightedLeast } from './pick';

export const wlc: Scheduler<null> = {
  name: 'wlc',
  init: () => null,
  schedule: (svc) => weightedLeast(svc.dests, connOverhead),
};
