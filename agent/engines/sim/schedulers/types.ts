// The scheduler interface, shaped like the kernel's struct ip_vs_scheduler: per-service state made
// by init_svc, optional destination hooks (add/del/upd_dest), and schedule(). One file per
// scheduler implements it, as ip_vs_<name>.c does. Schedulers only read destinations; the kernel
// (../kernel.ts) owns them.
import type { Family } from '@/lib/ipvs/addr';
import { schedFlagKernelValue } from '@/lib/ipvs/model';

/** IP_VS_DEST_F_AVAILABLE: the destination is linked to its service (not deleted / in the trash). */
export const DEST_F_AVAILABLE = 0x1;
/** IP_VS_DEST_F_OVERLOAD: the upper connection threshold was reached. */
export const DEST_F_OVERLOAD = 0x2;

/** IP_VS_SVC_F_SCHED1..3 as they reach schedulers: sh-fallback/mh-fallback, sh-port/mh-port, flag-3. */
export const SCHED_FLAG_1 = schedFlagKernelValue(1);
export const SCHED_FLAG_2 = schedFlagKernelValue(2);
export const SCHED_FLAG_3 = schedFlagKernelValue(3);

/** What a scheduler reads of a destination (struct ip_vs_dest). */
export interface SchedDest {
  readonly address: string;
  readonly port: number;
  /** The address as the kernel folds it for hashing: IPv4 host order, IPv6 the XOR of its four words. */
  readonly fold: number;
  /** Position in the service's list (0 = head = newest). */
  readonly idx: number;
  readonly weight: number;
  /** The most recent non-zero weight (mh keeps a quiesced destination's slots with it). */
  readonly lastWeight: number;
  readonly flags: number;
  readonly activeConns: number;
  readonly inactConns: number;
}

export interface SchedService {
  readonly af: Family;
  /** Kernel list order: new destinations are added at the head, so newest first. */
  readonly dests: readonly SchedDest[];
  /** IP_VS_SVC_F_SCHED* bits of the service flags. */
  readonly schedFlags: number;
}

/** The parts of the first packet a scheduler looks at. */
export interface SchedPacket {
  readonly protocol: number;
  readonly saddr: string;
  readonly sfold: number;
  readonly sport: number;
  readonly daddr: string;
  readonly dfold: number;
  readonly dport: number;
}

/** Kernel facilities schedulers use: jiffies, prandom, sysctls. */
export interface SchedEnv {
  now(): number;
  /** A uniformly distributed u32 (the kernel's get_random_u32); seeded in the simulator. */
  random32(): number;
  readonly lblcExpirationMs: number;
  readonly lblcrExpirationMs: number;
}

export interface Scheduler<S = unknown> {
  readonly name: string;
  /** init_svc: fresh state when the scheduler is bound to a service (-A, or -E with a new -s). */
  init(svc: SchedService, env: SchedEnv): S;
  /** done_svc: unbinding (-D, or -E to another scheduler). */
  done?(svc: SchedService, state: S): void;
  /** Called after the destination was linked at the head of the list. */
  addDest?(svc: SchedService, state: S, dest: SchedDest): void;
  /** Called after the destination was unlinked; `formerIdx` is where it was. */
  delDest?(svc: SchedService, state: S, dest: SchedDest, formerIdx: number): void;
  /** Called after -e changed weight, thresholds or forwarding. */
  updDest?(svc: SchedService, state: S, dest: SchedDest): void;
  /** Pick a destination for a new connection, or null (the packet is then dropped). */
  schedule(svc: SchedService, state: S, pkt: SchedPacket, env: SchedEnv): SchedDest | null;
  /** Periodic work (lblc/lblcr cache expiry), every gcPeriodMs. */
  readonly gcPeriodMs?: number;
  gc?(svc: SchedService, state: S, env: SchedEnv): void;
}

/** ip_vs_dest_conn_overhead(): active × 256 + inactive. */
export function connOverhead(d: SchedDest): number {
  return d.activeConns * 256 + d.inactConns;
}

/** hash_32(val, bits) from linux/hash.h: multiply by GOLDEN_RATIO_32, keep the high bits. */
export function hash32(val: number, bits: number): number {
  return Math.imul(val >>> 0, 0x61c88647) >>> (32 - bits);
}

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Is the scheduler flag bit set on the service. */
export function hasFlag(svc: SchedService, flag: number): boolean {
  return (svc.schedFlags & flag) !== 0;
}
