// The agent <-> control plane protocol (docs/agent-protocol.md). Modelled on Envoy xDS:
// the control plane pushes versioned full state; the agent ACKs or NACKs each version and
// keeps running the last good one on NACK.
import { z } from 'zod';
import { DB_INT_MAX } from '../ipvs/db-int';
import { AddressSchema, CheckScriptSchema, DirectorConfigSchema, RealServerKeySchema, ServiceKeySchema, SyncDaemonSchema } from '../ipvs/model';
import { OpSchema } from '../ipvs/op';
import { SysctlsSchema } from '../ipvs/sysctls';
import { ConnEntrySchema, ConnFilterSchema, COUNTER_FIELDS, STATS_FIELDS, StatsSnapshotSchema } from '../ipvs/stats';

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

/**
 * The numbers of a stats row on the wire, after its key's index: the table's fields (STATS_FIELDS,
 * a service's conns being the sum of its real servers', the totals' the sum of the services') and
 * then the cumulative counters (COUNTER_FIELDS) the console's minute rollups are made of.
 */
export const STATS_ROW_FIELDS = [...STATS_FIELDS, ...COUNTER_FIELDS] as const;
/** One row of a `rows` batch: [index into the batch's keys, ...one number per STATS_ROW_FIELDS]. */
export type StatsWireRow = number[];
/** Keys one batch may name: a director with 40,000 services × 4 real servers and its totals. */
export const MAX_STATS_KEYS = 200_001;

/** '' (the director's totals), a service id or a server id (lib/ipvs/keys.ts), checked by shape only: admission looks each up in the director's revisions. */
const STATS_KEY_SHAPE = /^$|^(?:(?:tcp|udp|sctp)\|[0-9A-Fa-f.:]{2,45}\|\d{1,5}|fwmark\|inet6?\|\d{1,10})(?:#[0-9A-Fa-f.:]{2,45}\|\d{1,5})?$/;
/** After this many issues a batch's check stops looking: one bad agent need not cost a second of CPU. */
const MAX_ROW_ISSUES = 20;

/**
 * The first shape (every agent before the `rows` format): each sample as nested objects, ~10 MB a
 * second for a director with 30,000 real servers. Still accepted, so an older agent keeps working.
 */
export const StatsSnapshotBatchSchema = z.object({
  format: z.literal('snapshots').optional(),
  /** per-second samples, oldest first; the agent drops the oldest when the control plane is away */
  samples: z.array(StatsSnapshotSchema).max(3600),
});

/**
 * The compact shape: every key once per batch, each row an array of numbers in STATS_ROW_FIELDS
 * order, and after a batch's first sample only the rows whose numbers changed since the sample
 * before (a row left out is as it was; `gone` names the keys no longer in the table). About a
 * third of the snapshot shape's bytes at its first sample and a few per cent after it; the rows
 * are checked by hand (below), because a zod schema per number costs ~0.5 s for 30,000 rows × 5
 * samples while this check costs a few milliseconds, with the same field paths in its errors.
 */
export const StatsRowsBatchSchema = z
  .object({
    format: z.literal('rows'),
    /** STATS_ROW_FIELDS exactly: an agent of another order is refused, never misread */
    fields: z.array(z.string()).refine((f) => f.length === STATS_ROW_FIELDS.length && f.every((x, i) => x === STATS_ROW_FIELDS[i]), {
      message: `must be ${STATS_ROW_FIELDS.join(',')} (this console's row order)`,
    }),
    keys: z.array(z.string()).max(MAX_STATS_KEYS),
    samples: z
      .array(
        z.object({
          at: z.number().int(), // epoch ms
          rows: z.array(z.custom<StatsWireRow>((r) => Array.isArray(r), 'a row is an array: [key index, ...numbers]')),
          gone: z.array(z.number().int().nonnegative()).optional(),
        }),
      )
      .max(3600),
  })
  .superRefine((b, ctx) => {
    let issues = 0;
    const issue = (path: (string | number)[], message: string) => {
      ctx.addIssue({ code: 'custom', path, message });
      return ++issues >= MAX_ROW_ISSUES;
    };
    const seen = new Set<string>();
    for (let i = 0; i < b.keys.length; i++) {
      const k = b.keys[i]!;
      if (!STATS_KEY_SHAPE.test(k) && issue(['keys', i], "must be '' (the totals), a service id such as tcp|10.0.0.1|80 or a server id such as tcp|10.0.0.1|80#10.0.1.1|80")) return;
      if (seen.size === (seen.add(k), seen.size) && issue(['keys', i], `${JSON.stringify(k)} is named twice`)) return;
    }
    const width = 1 + STATS_ROW_FIELDS.length;
    const keys = b.keys.length;
    for (let s = 0; s < b.samples.length; s++) {
      const { rows, gone } = b.samples[s]!;
      for (let j = 0; j < rows.length; j++) {
        const r = rows[j]!;
        if (r.length !== width) {
          if (issue(['samples', s, 'rows', j], `has ${r.length} numbers; a row is [key index, ${STATS_ROW_FIELDS.join(', ')}]`)) return;
          continue;
        }
        const k = r[0];
        if (!(Number.isInteger(k) && (k as number) >= 0 && (k as number) < keys) && issue(['samples', s, 'rows', j, 0], `key index must be an integer below ${keys} (the batch's keys)`)) return;
        for (let f = 1; f < width; f++) {
          const x = r[f];
          // NaN and Infinity fail both comparisons; JSON has no other non-number that passes them
          if (!(typeof x === 'number' && x >= 0 && x <= Number.MAX_SAFE_INTEGER) && issue(['samples', s, 'rows', j, f], `${STATS_ROW_FIELDS[f - 1]} must be a number from 0 to 2^53`)) return;
        }
      }
      for (let g = 0; g < (gone?.length ?? 0); g++) if (gone![g]! >= keys && issue(['samples', s, 'gone', g], `key index must be below ${keys}`)) return;
    }
  });
export type StatsRowsBatch = z.output<typeof StatsRowsBatchSchema>;

/** What an agent POSTs: a `rows` batch, or (agents before it) a `snapshots` one. */
export const StatsBatchSchema = z.discriminatedUnion('format', [StatsRowsBatchSchema, StatsSnapshotBatchSchema]);
export type StatsBatch = z.output<typeof StatsBatchSchema>;

// ---- agent -> control plane (POST /api/v1/agent/connections) ------------------------------

export const ConnAnswerSchema = z.object({
  requestId: z.string(),
  total: z.number().int().nonnegative(),
  entries: z.array(ConnEntrySchema).max(1000),
});
export type ConnAnswer = z.output<typeof ConnAnswerSchema>;
