// The messages between a proof and its agent-fleet process (agents-process.ts), over Node's IPC.
export type AgentCommand =
  | { cmd: 'start'; server: string; tokens: string[]; first: number; statsIntervalMs: number }
  | { cmd: 'status' }
  /** [agent index, ms since epoch when its ACK of `revision` was accepted] */
  | { cmd: 'acks'; revision: number }
  /** [agent index, ms since epoch] of hellos accepted at or after `since` */
  | { cmd: 'hellos'; since: number }
  /** config hash of every agent's live (simulated) table -> how many agents have it */
  | { cmd: 'live' }
  /** [message kind, count] of what the agents logged (warn and error), most frequent first */
  | { cmd: 'logged' }
  | { cmd: 'stop' };

export type AgentReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export interface FleetStatus {
  agents: number;
  connected: number;
  /** desired revision applied, verified and without drift */
  inSync: number;
  /** last applied revision -> how many agents */
  applied: Record<string, number>;
  /** stats samples waiting for the control plane, in total and on the fullest agent */
  buffered: number;
  maxBuffered: number;
  dropped: number;
  pendingReports: number;
  /** ops applied to the kernels since start, all agents */
  ops: number;
  errors: number;
  healthChecked: number;
  /** p99 event-loop delay of the fleet process since the previous status (ms) */
  lagP99Ms: number;
  oldestHealthCheck: string | null;
}
