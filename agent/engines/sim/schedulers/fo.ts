// fo — weighted failover (ip_vs_fo.c): the highest weight wins; the earliest in list order on ties.
import { type Scheduler } from './types';
import { higher, pickBest, usable, weightOf } from './pick';

export const fo: Scheduler<null> = {
  name: 'fo',
  init: () => null,
  schedule: (svc) => pickBest(svc.dests, usable, weightOf, higher),
};
