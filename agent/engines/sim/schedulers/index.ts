// The scheduler modules the simulated kernel knows (`ipvsadm -s NAME`), like the ip_vs_<name>.ko set.
import type { Scheduler as SchedulerName } from '@/lib/ipvs/model';
import type { Scheduler } from './types';
import { rr } from './rr';
import { wrr } from './wrr';
import { lc } from './lc';
import { wlc } from './wlc';
import { lblc } from './lblc';
import { lblcr } from './lblcr';
import { dh } from './dh';
import { sh } from './sh';
import { sed } from './sed';
import { nq } from './nq';
import { fo } from './fo';
import { ovf } from './ovf';
import { mh } from './mh';
import { twos } from './twos';

/** One module per scheduler of the model: a scheduler added to SCHEDULERS without its module (or a module the model lacks) does not compile. */
export const SCHEDULERS_BY_NAME = { rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos } satisfies Record<SchedulerName, Scheduler<unknown>>;

export const SCHEDULER_MODULES: ReadonlyMap<string, Scheduler<unknown>> = new Map(Object.entries(SCHEDULERS_BY_NAME));

export type { Scheduler, SchedDest, SchedEnv, SchedPacket, SchedService } from './types';
