// The bucket table dh and sh share: a fixed number of buckets dealt to the destinations, dealt
// again whenever a destination is added, removed or edited (ip_vs_dh/sh_reassign).
import type { SchedDest, SchedService, Scheduler } from './types';

export type Buckets = (SchedDest | null)[];

export function bucketHooks(size: number, reassign: (svc: SchedService, table: Buckets) => void): Pick<Scheduler<Buckets>, 'init' | 'addDest' | 'delDest' | 'updDest'> {
  return {
    init(svc) {
      const t: Buckets = new Array<SchedDest | null>(size).fill(null);
      reassign(svc, t);
      return t;
    },
    addDest: (svc, t) => reassign(svc, t),
    delDest: (svc, t) => reassign(svc, t),
    updDest: (svc, t) => reassign(svc, t),
  };
}
