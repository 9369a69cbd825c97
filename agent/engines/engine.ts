// The one interface both engines implement: the real kernel through ipvsadm, and the simulator.
// The reconciler, the CLI and the conformance suite only ever see this.
import type { DirectorConfig, ServiceKey } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import type { ConnEntry, ConnFilter, StatsSnapshot } from '@/lib/ipvs/stats';
import type { Capabilities } from '@/lib/protocol/messages';

export type EngineFacts = Omit<Capabilities, 'agentVersion' | 'hostname'>;

export type ApplyResult =
  | { ok: true; applied: number }
  | {
      ok: false;
      /** ops[0..applied-1] took effect; ops[applied] failed; the rest were not attempted */
      applied: number;
      failedOp: Op;
      command: string; // "ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1"
      message: string; // ipvsadm's stderr, e.g. "Destination already exists"
      exitCode: number | null;
    };

/**
 * What a targeted read covers: the director-wide settings plus only these services (those that
 * exist; an absent one is simply not in the result). A pass that touches K services reads O(K).
 */
export interface ReadScope {
  services: readonly ServiceKey[];
}

export interface Engine {
  readonly kind: 'ipvsadm' | 'sim' | 'netlink';
  /** Startup facts; throws EngineUnavailableError with a clear message when the engine cannot work. */
  facts(): Promise<EngineFacts>;
  /**
   * The live configuration: services, real servers with thresholds, timeouts, sync daemons.
   * Complete without a scope; with one, only the scoped services (an engine may read more).
   */
  readConfig(scope?: ReadScope): Promise<DirectorConfig>;
  /** Counters, estimator rates and active/inactive/persistent connection counts. */
  readStats(): Promise<StatsSnapshot>;
  /**
   * Apply ops in order; stops at the first failure and says exactly which one. `before` is the
   * caller's fresh read of (at least) the services the ops touch, so the engine need not read again.
   */
  apply(ops: Op[], before?: DirectorConfig): Promise<ApplyResult>;
  /** Live connections, filtered on the engine's side; streamed so a 1M-entry table stays small in memory. */
  connections(filter?: Partial<ConnFilter>): AsyncIterable<ConnEntry>;
  close?(): Promise<void>;
}

export class EngineUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}
