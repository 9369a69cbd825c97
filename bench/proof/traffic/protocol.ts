// What the proof on the host and the in-guest processes of the traffic lab say to each other.
import type { PassOutcome } from '@/agent/reconcile';
import type { DirectorConfig } from '@/lib/ipvs/model';
import type { StatsSnapshot } from '@/lib/ipvs/stats';

export type DriverRequest =
  | { cmd: 'read' }
  /** a revision (a new number: setDesired; the current one: one more pass) with the health verdicts to plan with */
  | { cmd: 'apply'; revision: number; createdAt: number; config: DirectorConfig; unhealthy: string[] }
  | { cmd: 'stop' };

export type DriverReply =
  | { now: number; actual: DirectorConfig; stats: StatsSnapshot }
  | { t0: number; t1: number; outcome: PassOutcome; timings: { readMs: number; planMs: number; applyMs: number; verifyMs: number } | null }
  | { stopped: true };

/** The load generator's settings (a JSON file, its one argument). */
export interface LoadConfig {
  /** "vip:port" the client connects to */
  targets: string[];
  /** long-lived keep-alive connections per target */
  keepAlive: number;
  /** a request every intervalMs on each long-lived connection */
  intervalMs: number;
  /** a long-lived connection closes gracefully after a random lifetime in [min, max] ms and is opened again */
  lifeMs: [number, number];
  /** a new short connection every newEveryMs (round robin over the targets) */
  newEveryMs: number;
  /** no answer for this long: stalled (established) or timed out (new) */
  stallMs: number;
  dir: string;
}

/** One line of the load generator's events.jsonl (times: the guest's epoch ms). */
export type LoadEvent =
  /** a long-lived connection got its first answer: it is bound to `server` */
  | { e: 'up'; id: number; target: string; server: string; t: number }
  /** a long-lived connection ended: closed (by us, gracefully), reset or stall; okReq: when the request of its last answer was sent */
  | { e: 'end'; id: number; target: string; server: string | null; kind: 'closed' | 'reset' | 'stall'; okReq: number; t: number; why?: string }
  /** a new connection that was refused, reset or timed out before its first answer, opened at t0 */
  | { e: 'fail'; target: string; why: string; t0: number; t: number };

export interface LoadSummary {
  requests: number;
  perServer: Record<string, number>;
  newOk: number;
  newFailed: number;
  /** new short connections not opened because too many were still in flight (the guest was too slow) */
  newSkipped: number;
}
