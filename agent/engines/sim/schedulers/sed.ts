// sed — shortest expected delay (ip_vs_sed.c): minimise (active+1)/weight; inactive ones are ignored.
import { type SchedDest, type Scheduler } from './types';
import { weightedLeast } from './pick';

export const sedOverhead = (d: SchedDest): number => d.activeConns + 1;

export const sed: Scheduler<null> = {
  name: 'sed',
  init: () => null,
  schedule: (svc) => weightedLeast(svc.dests, sedOverhead),
};
