// The scheduler modules the simulated kernel knows (`ipvsadm -s NAME`), like the ip_vs_<name>.ko set.
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

export const SCHEDULER_MODULES: ReadonlyMap<string, Scheduler<any>> = new Map(
  [rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos].map((s) => [s.name, s as Scheduler<any>]),
);

export type { Scheduler, SchedDest, SchedEnv, SchedPacket, SchedService } from './types';
