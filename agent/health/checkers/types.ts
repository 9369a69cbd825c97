// One checker per keepalived checker type, all behind this signature (as the kernel has one file
// per scheduler): given where to probe and the check, say whether the server is good and why.
import type { HealthCheck } from '@/lib/ipvs/model';

export interface CheckTarget {
  /** the address to probe (connect_ip already applied) */
  address: string;
  /** the port to probe (connect_port already applied) */
  port: number;
  check: HealthCheck;
}

export interface CheckResult {
  ok: boolean;
  reason: string;
  /** MISC_CHECK misc_dynamic: the weight the script asked for */
  weight?: number;
}

export interface CheckContext {
  /** the director's own directory of check scripts (MISC_CHECK) */
  checksDir: string;
}

export type CheckRun = (t: CheckTarget, ctx: CheckContext) => Promise<CheckResult>;
