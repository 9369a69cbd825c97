// The agent <-> control plane protocol (docs/agent-protocol.md). Modelled on Envoy xDS:
// the control plane pushes versioned full state; the agent ACKs or NACKs each version and
// keeps running the last good one on NACK.
import { z } from 'zod';
import { DB_INT_MAX } from '../ipvs/db-int';
import { AddressSchema, CheckScriptSchema, DirectorConfigSchema, RealServerKeySchema, ServiceKeySchema, SyncDaemonSchema } from '../ipvs/model';
import { OpSchema } from '../ipvs/op';
import { SysctlsSchema } from '../ipvs/sysctls';
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

/**
 * The cluster's flapping rule as the agent's health monitor applies it: `transitions` health
 * changes within `windowSeconds` is flapping; with `holdDownSeconds` > 0 a flapping server that
 * recovers is kept out that long after its last good verdict would have brought it back.
 */
export const HealthPolicySchema = z.object({
  transitions: z.number().int().min(2).max(1000),
  windowSeconds: z.number().int().min(10).max(86_400),
  holdDownSeconds: z.number().int().min(0).max(86_400),
});
export type HealthPolicy = z.output<typeof HealthPolicySchema>;

// ---- control plane -> agent (server-sent events on GET /api/v1/agent/stream) -------------

/** event: desired — the full desired state of the world for this director. */
export const DesiredRevisionSchema = z.object({
  cluster: z.string(),
  revision: z.number().int().nonnegative(),
  hash: z.string(),
  createdAt: z.string(), // ISO time; drain deadlines count from it
  driftPolicy: DriftPolicySchema,
  /** absent from older consoles: no hold-down */
  healthPolicy: HealthPolicySchema.optional(),
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
  /** The kernel's IPVS settings (net.ipv4.vs.*) when the agent started; live values travel in each `state`. */
  sysctls: SysctlsSchema.optional(),
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

/** A health verdict on one real server of one service: what states and transitions share. */
const ServerVerdictSchema = z.object({ service: ServiceKeySchema, server: RealServerKeySchema, healthy: z.boolean() });

export const HealthStateSchema = ServerVerdictSchema.extend({
  reason: z.string(), // "connect ECONNREFUSED", "HTTP 503", "ok (12 ms)"
  since: z.string(),
  lastCheck: z.string(),
});
export type HealthState = z.output<typeof HealthStateSchema>;

/**
 * One healthy <-> unhealthy transition as the monitor decided it. `error` is the failing probe's
 * own text ("connect ECONNREFUSED", "HTTP 503 (expected 200)"), unchanged, when it failed. The
 * agent sends its recent transitions with every health report (the transport keeps only the newest
 * report), and the console stores each once (keyed by director, server, time and state).
 */
export const HealthTransitionSchema = ServerVerdictSchema.extend({
  at: z.iso.datetime({ offset: true }),
  reason: z.string().max(2000),
  error: z.string().max(2000).optional(),
  /** kept out by the hold-down after flapping although its probes pass */
  heldDown: z.boolean().optional(),
});
export type HealthTransition = z.output<typeof HealthTransitionSchema>;

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

// ---- HA: who holds the VIPs (issue 14) -----------------------------------------------------

/** keepalived's VRRP states as its notify scripts name them (INIT: not yet elected). */
export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'INIT'] as const;

/** One keepalived VRRP instance (or sync group) beside the agent, as its notify script last told it, or the demo's simulated segment. */
export const VrrpInstanceSchema = z.object({
  name: z.string().min(1).max(100),
  kind: z.enum(['instance', 'group']),
  state: z.enum(VRRP_STATES),
  priority: z.number().int().min(0).max(255).nullable(),
  since: z.iso.datetime({ offset: true }),
  /** notify: keepalived's notify script wrote it; sim: the demo's simulated VRRP segment */
  source: z.enum(['notify', 'sim']),
  /** why it changed, when the source says (the simulated segment does; keepalived does not) */
  reason: z.string().max(300).optional(),
});
export type VrrpInstance = z.output<typeof VrrpInstanceSchema>;

/**
 * What an agent knows of high availability on its director: which of the cluster's VIPs are
 * configured on its interfaces (read from the kernel: `ip -j addr`, or the simulator's interfaces),
 * keepalived's VRRP states, the IPVS sync daemons and the size of its connection table (a backup
 * that syncs connections holds about as many entries as the master).
 */
export const HaStateSchema = z.object({
  /** the desired config's VIPs found on an interface; null when the agent cannot read its addresses */
  vips: z
    .array(z.object({ address: AddressSchema, interface: z.string().max(64) }))
    .max(4096)
    .nullable(),
  /** how the addresses were read: "ip -j addr", "sim", or why they could not be */
  addressSource: z.string().max(300),
  /** keepalived's instances; null when no VRRP state is configured (--vrrp-state) */
  vrrp: z.array(VrrpInstanceSchema).max(256).nullable(),
  /** the IPVS connection-sync daemons running (from the live table's read) */
  syncDaemons: z.array(SyncDaemonSchema.in.pick({ state: true, syncId: true, interface: true })).max(2),
  /** active + inactive connection entries in the table, null before the first stats sample */
  connections: z.number().int().nonnegative().nullable(),
  at: z.iso.datetime({ offset: true }),
});
export type HaState = z.output<typeof HaStateSchema>;

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
  z.object({ type: z.literal('health'), states: z.array(HealthStateSchema), transitions: z.array(HealthTransitionSchema).max(1000).optional() }),
  z.object({ type: z.literal('drain'), drains: z.array(DrainProgressSchema) }),
  /**
   * The agent read its live table this reconcile pass and it is still the one it last reported
   * (`hash`: configHash of that table; `revision`: the last ACKed revision). Tiny, at most one per
   * pass (~10 s when idle), so "verified N s ago" stays true on a director whose table never changes.
   */
  z.object({ type: z.literal('verified'), revision: z.number().int().nullable(), hash: z.string(), at: z.iso.datetime({ offset: true }) }),
  /**
   * HA state, sent when it changes and at least every 30 s. A new report type (not a changed one):
   * a console that predates it answers 400 and the agent drops it, so the protocol version stays.
   */
  z.object({ type: z.literal('ha'), ha: HaStateSchema }),
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
