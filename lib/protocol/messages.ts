// The agent <-> control plane protocol (docs/agent-protocol.md). Modelled on Envoy xDS:
// the control plane pushes versioned full state; the agent ACKs or NACKs each version and
// keeps running the last good one on NACK.
import { z } from 'zod';
import { DB_INT_MAX } from '../ipvs/db-int';
import { CheckScriptSchema, DirectorConfigSchema, RealServerKeySchema, ServiceKeySchema } from '../ipvs/model';
import { OpSchema } from '../ipvs/op';
import { ConnEntrySchema, ConnFilterSchema, StatsSnapshotSchema } from '../ipvs/stats';

/**
 * The protocol this code speaks. The agent says its version in `hello`; the console refuses an
 * agent of another version (HTTP 409) and the agent stops instead of retrying. Bump it on any
 * change an older peer would misread.
 */
export const PROTOCOL_VERSION = 1;

/** Why an agent of this protocol version cannot talk to this console, or null when it can (agents from before versioning sent none: they speak 1). */
export function protocolMismatch(agentVersion: number | undefined): string | null {
  const v = agentVersion ?? 1;
  if (v === PROTOCOL_VERSION) return null;
  return `the agent speaks protocol version ${v} and this console speaks ${PROTOCOL_VERSION}: upgrade the ${v < PROTOCOL_VERSION ? 'agent' : 'console'} so both speak the same version`;
}

export const DriftPolicySchema = z.enum(['enforce', 'report']);
export type DriftPolicy = z.output<typeof DriftPolicySchema>;

// ---- control plane -> agent (server-sent events on GET /api/v1/agent/stream) -------------

/** event: desired — the full desired state of the world for this director. */
export const DesiredRevisionSchema = z.object({
  cluster: z.string(),
  revision: z.number().int().nonnegative(),
  hash: z.string(),
  createdAt: z.string(), // ISO time; drain deadlines count from it
  driftPolicy: DriftPolicySchema,
  config: DirectorConfigSchema,
});
export type DesiredRevision = z.output<typeof DesiredRevisionSchema>;

/** event: reconcile — run a reconcile pass now. */
export const ReconcileRequestSchema = z.object({ reason: z.string().max(200).default('requested') });

/** event: conn-query — list live connections; the agent answers with POST /api/v1/agent/connections. */
export const ConnQuerySchema = z.object({
  requestId: z.string().min(1).max(64),
  filter: ConnFilterSchema,
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(1000).default(100),
});
export type ConnQuery = z.output<typeof ConnQuerySchema>;

// ---- agent -> control plane (POST /api/v1/agent/report) -----------------------------------

/** The most check script names a director reports (a checks directory is a handful of files). */
export const MAX_CHECK_SCRIPTS = 500;

export const CapabilitiesSchema = z.object({
  agentVersion: z.string(),
  engine: z.enum(['ipvsadm', 'sim', 'netlink']),
  /** How the engine was chosen, e.g. "auto: netlink (the IPVS generic netlink family resolved)". */
  engineChoice: z.string().max(300).optional(),
  hostname: z.string(),
  kernel: z.string(), // uname -r
  ipvsVersion: z.string(), // "1.2.1"
  ipvsadmVersion: z.string().nullable(), // "v1.31"; null for the sim engine
  connTableSize: z.number().int().nonnegative(), // hash buckets ("size=4096")
  schedulers: z.array(z.string()),
  /** The MISC_CHECK scripts this director has (names of the executables in its --checks-dir); absent from older agents. */
  checkScripts: z.array(CheckScriptSchema).max(MAX_CHECK_SCRIPTS).optional(),
});
export type Capabilities = z.output<typeof CapabilitiesSchema>;

export const DriftSchema = z.object({
  /** ops that would make the live table equal to the last applied revision again */
  ops: z.array(OpSchema),
  summary: z.string(),
  detectedAt: z.string(),
});
export type Drift = z.output<typeof DriftSchema>;

export const HealthStateSchema = z.object({
  service: ServiceKeySchema,
  server: RealServerKeySchema,
  healthy: z.boolean(),
  reason: z.string(), // "connect ECONNREFUSED", "HTTP 503", "ok (12 ms)"
  since: z.string(),
  lastCheck: z.string(),
});
export type HealthState = z.output<typeof HealthStateSchema>;

export const DrainProgressSchema = z.object({
  service: ServiceKeySchema,
  server: RealServerKeySchema,
  activeConns: z.number().int().nonnegative(),
  inactConns: z.number().int().nonnegative(),
  initialConns: z.number().int().nonnegative(), // connections when the agent first saw the drain: 100% of the progress bar
  deadline: z.string(),
  done: z.boolean(),
});
export type DrainProgress = z.output<typeof DrainProgressSchema>;

export const ReportSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocolVersion: z.number().int().positive().optional(),
    capabilities: CapabilitiesSchema,
    lastAppliedRevision: z.number().int().min(0).max(DB_INT_MAX).nullable(),
  }),
  z.object({ type: z.literal('ack'), revision: z.number().int().min(0).max(DB_INT_MAX), hash: z.string(), opsApplied: z.number().int(), durationMs: z.number() }),
  z.object({
    type: z.literal('nack'),
    revision: z.number().int().min(0).max(DB_INT_MAX),
    hash: z.string(),
    failedOp: OpSchema.nullable(),
    command: z.string(), // the ipvsadm command line that failed, for humans
    message: z.string(), // ipvsadm's own message ("Service already exists", ...)
    exitCode: z.number().int().nullable(),
    opsApplied: z.number().int(), // ops before the failure that did take effect
  }),
  z.object({ type: z.literal('state'), actual: DirectorConfigSchema, drift: DriftSchema.nullable() }),
  z.object({ type: z.literal('health'), states: z.array(HealthStateSchema) }),
  z.object({ type: z.literal('drain'), drains: z.array(DrainProgressSchema) }),
  /**
   * The agent read its live table this reconcile pass and it is still the one it last reported
   * (`hash`: configHash of that table; `revision`: the last ACKed revision). Tiny, at most one per
   * pass (~10 s when idle), so "verified N s ago" stays true on a director whose table never changes.
   */
  z.object({ type: z.literal('verified'), revision: z.number().int().nullable(), hash: z.string(), at: z.iso.datetime({ offset: true }) }),
]);
export type Report = z.output<typeof ReportSchema>;

// ---- agent -> control plane (POST /api/v1/agent/stats) ------------------------------------

export const StatsBatchSchema = z.object({
  /** per-second samples, oldest first; the agent drops the oldest when the control plane is away */
  samples: z.array(StatsSnapshotSchema).max(3600),
});
export type StatsBatch = z.output<typeof StatsBatchSchema>;

// ---- agent -> control plane (POST /api/v1/agent/connections) ------------------------------

export const ConnAnswerSchema = z.object({
  requestId: z.string(),
  total: z.number().int().nonnegative(),
  entries: z.array(ConnEntrySchema).max(1000),
});
export type ConnAnswer = z.output<typeof ConnAnswerSchema>;
