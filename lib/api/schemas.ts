// The REST API's request and response shapes, shared by the route handlers (which parse with
// them), the browser (lib/api/client.ts, forms) and the OpenAPI document. Built from the core
// schemas in lib/ipvs and lib/protocol; pure (no I/O), so it runs in the browser too.
//
// Dates travel as ISO-8601 strings. Responses are plain JSON; request schemas may transform.
import { DB_INT_MAX } from '../ipvs/db-int';
import { z } from 'zod';
import {
  DirectorConfigSchema,
  GlobalsSchema,
  HealthCheckSchema,
  PersistenceSchema,
  RealServerKeySchema,
  RealServerSchema,
  SCHED_FLAGS,
  SCHEDULERS,
  ServiceKeySchema,
  VirtualServiceSchema,
} from '../ipvs/model';
import { OpSchema } from '../ipvs/op';
import { OpImpactSchema } from '../ipvs/impact';
import { ConnEntrySchema, ConnFilterSchema } from '../ipvs/stats';
import { ConfigDiffSchema } from '../ipvs/diff';
import { MissingScriptSchema } from '../ipvs/check-scripts';
import { RealServerKeyIdSchema, ServiceKeyIdSchema } from '../ipvs/keys';
import { RolloutPolicySchema } from './rollout';
import { CHART_FIELDS, STATS_FIELDS, StatsRowSchema, StatsValuesSchema, type ChartField, type StatsValues } from './stats-fields';
import { CapabilitiesSchema, DrainProgressSchema, DriftPolicySchema, DriftSchema, HaStateSchema, HealthStateSchema } from '../protocol/messages';
import { VIP_STATES } from '../ipvs/ha';

// ---- errors -------------------------------------------------------------------------------

/** One problem with a request: `path` is dotted ("changes.2.server.weight"); `line` for text imports. */
export const IssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  line: z.number().int().positive().optional(),
});
export type Issue = z.output<typeof IssueSchema>;

/** Every error the API returns. A stale base revision (409) also carries the current revision. */
export const ErrorBodySchema = z.object({
  error: z.string(),
  issues: z.array(IssueSchema),
  current: z.lazy(() => RevisionSummarySchema).optional(),
});
export type ErrorBody = z.output<typeof ErrorBodySchema>;

// ---- names --------------------------------------------------------------------------------

export const RoleSchema = z.enum(['admin', 'operator', 'viewer'], { error: 'role must be admin, operator or viewer' });
export type Role = z.output<typeof RoleSchema>;
/** What each role may do; a higher role includes the lower ones. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const ClusterNameSchema = z
  .string({ error: 'name is required' })
  .trim()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'cluster name must be 1–63 lowercase letters, digits or "-", not starting or ending with "-"');
export const DirectorNameSchema = z
  .string({ error: 'name is required' })
  .trim()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,62})$/, 'director name must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit');
export const UsernameSchema = z
  .string({ error: 'username is required' })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'username must be 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
export const PasswordSchema = z.string({ error: 'password is required' }).min(12, 'password must be at least 12 characters').max(256, 'password must be at most 256 characters');

const IsoDate = z.string();
const RevisionNumber = z
  .number({ error: 'revision must be a number' })
  .int('revision must be a whole number')
  .positive('revision numbers start at 1')
  .max(DB_INT_MAX, `revision numbers end at ${DB_INT_MAX}`);
const Message = z.string({ error: 'message is required' }).trim().min(1, 'message must not be empty').max(500, 'message must be at most 500 characters');

// ---- auth, users, API tokens ----------------------------------------------------------------

export const LoginRequestSchema = z.object({
  username: z.string({ error: 'username is required' }).trim().min(1, 'username is required').max(64),
  password: z.string({ error: 'password is required' }).min(1, 'password is required').max(256),
});
export type LoginRequest = z.output<typeof LoginRequestSchema>;

export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  createdAt: IsoDate,
});
export type User = z.output<typeof UserSchema>;

export const MeSchema = z.object({
  user: UserSchema,
  /** how this request was authenticated */
  via: z.enum(['session', 'token']),
  /** the effective role (an API token may carry less than its owner) */
  role: RoleSchema,
});
export type Me = z.output<typeof MeSchema>;

export const CreateUserRequestSchema = z.object({ username: UsernameSchema, password: PasswordSchema, role: RoleSchema });
export const UpdateUserRequestSchema = z
  .object({ role: RoleSchema.optional(), disabled: z.boolean().optional(), password: PasswordSchema.optional() })
  .refine((u) => Object.keys(u).length > 0, 'nothing to change: give role, disabled or password');
export const ChangePasswordRequestSchema = z.object({
  currentPassword: z.string({ error: 'current password is required' }).min(1, 'current password is required'),
  newPassword: PasswordSchema,
});
export const UserListSchema = z.object({ users: z.array(UserSchema) });

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: RoleSchema,
  owner: z.string(),
  expiresAt: IsoDate.nullable(),
  lastUsedAt: IsoDate.nullable(),
  revoked: z.boolean(),
  createdAt: IsoDate,
});
export type ApiToken = z.output<typeof ApiTokenSchema>;
export const CreateApiTokenRequestSchema = z.object({
  name: z.string({ error: 'name is required' }).trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  role: RoleSchema,
  /** null or omitted: never expires */
  expiresInDays: z.number().int('expiresInDays must be a whole number').min(1, 'expiresInDays must be 1–3650').max(3650, 'expiresInDays must be 1–3650').nullable().optional(),
});
/** The secret is shown once, here; only its hash is stored. */
export const CreatedApiTokenSchema = z.object({ token: ApiTokenSchema, secret: z.string() });
export const ApiTokenListSchema = z.object({ tokens: z.array(ApiTokenSchema) });

// ---- revisions ----------------------------------------------------------------------------

export const RevisionSummarySchema = z.object({
  number: z.number().int(),
  hash: z.string(),
  author: z.string(),
  message: z.string(),
  /** what changed relative to the parent, for humans ("+1 service, 2 weights changed") */
  summary: z.string(),
  parent: z.number().int().nullable(),
  createdAt: IsoDate,
});
export type RevisionSummary = z.output<typeof RevisionSummarySchema>;

export const RevisionSchema = RevisionSummarySchema.extend({ config: DirectorConfigSchema });
export type Revision = z.output<typeof RevisionSchema>;

export const RevisionListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1, 'limit must be 1–500').max(500, 'limit must be 1–500').default(50),
  /** page backwards: revisions with a smaller number than this */
  before: z.coerce.number().int().positive().max(DB_INT_MAX).optional(),
});
export const RevisionListSchema = z.object({ revisions: z.array(RevisionSummarySchema), nextBefore: z.number().int().nullable() });

// ---- change sets --------------------------------------------------------------------------

/** Fields of a service that edit-service may set (the key cannot change: that is remove + add). */
export const ServicePatchSchema = z
  .object({
    scheduler: z.enum(SCHEDULERS, { error: `scheduler must be one of ${SCHEDULERS.join(', ')}` }).optional(),
    schedFlags: z.array(z.enum(SCHED_FLAGS, { error: `scheduler flag must be one of ${SCHED_FLAGS.join(', ')}` })).optional(),
    /** null turns persistence off */
    persistence: PersistenceSchema.nullable().optional(),
    onePacket: z.boolean().optional(),
    /** null removes the health check */
    healthCheck: HealthCheckSchema.nullable().optional(),
  })
  .strict();

const rs = RealServerSchema.shape;
/** Fields of a real server that edit-server may set (address and port are its key). */
export const RealServerPatchSchema = z
  .object({
    forwarding: rs.forwarding.unwrap().optional(),
    weight: rs.weight.unwrap().optional(),
    upperThreshold: rs.upperThreshold.unwrap().optional(),
    lowerThreshold: rs.lowerThreshold.unwrap().optional(),
    tunnelType: rs.tunnelType.unwrap().nullable().optional(),
    tunnelPort: rs.tunnelPort.unwrap().nullable().optional(),
    tunnelChecksum: rs.tunnelChecksum.unwrap().nullable().optional(),
    /** set to drain the server gracefully; null cancels a drain */
    drain: rs.drain.unwrap().nullable().optional(),
  })
  .strict();

/**
 * One edit of a config. Services are named by their key (protocol + address + port, or fwmark +
 * family), real servers by address + port. Edits are patches; the result is validated as a whole.
 */
export const ChangeSchema = z.discriminatedUnion(
  'op',
  [
    z.object({ op: z.literal('add-service'), service: VirtualServiceSchema }),
    z.object({ op: z.literal('edit-service'), service: ServiceKeySchema, set: ServicePatchSchema }),
    z.object({ op: z.literal('remove-service'), service: ServiceKeySchema }),
    z.object({ op: z.literal('add-server'), service: ServiceKeySchema, server: RealServerSchema }),
    z.object({ op: z.literal('edit-server'), service: ServiceKeySchema, server: RealServerKeySchema, set: RealServerPatchSchema }),
    /**
     * Remove a real server: at once (drain omitted/false), or gracefully (drain true or
     * {timeout}): weight 0 until its connections end or the timeout passes, then deleted.
     */
    z.object({
      op: z.literal('remove-server'),
      service: ServiceKeySchema,
      server: RealServerKeySchema,
      drain: z.union([z.boolean(), rs.drain.unwrap()]).optional(),
    }),
    z.object({ op: z.literal('set-globals'), globals: GlobalsSchema }),
  ],
  { error: 'op must be add-service, edit-service, remove-service, add-server, edit-server, remove-server or set-globals' },
);
export type Change = z.output<typeof ChangeSchema>;
export type ChangeInput = z.input<typeof ChangeSchema>;

/** A change set: either a list of changes or a complete replacement config, made on `baseRevision`. */
export const ChangeSetSchema = z
  .object({
    baseRevision: RevisionNumber,
    message: Message,
    changes: z.array(ChangeSchema).min(1, 'changes must not be empty').max(5000, 'at most 5000 changes per change set').optional(),
    config: DirectorConfigSchema.optional(),
    /** how this change reaches the directors; default: the cluster's rollout policy */
    rollout: RolloutPolicySchema.optional(),
    /** commit only: the plan cuts live connections (its impact says how many) and that is intended; without it such a commit is refused (422) */
    confirmConnectionCuts: z.boolean().optional(),
  })
  .superRefine((cs, ctx) => {
    if ((cs.changes === undefined) === (cs.config === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['changes'], message: 'give either changes (a list of edits) or config (a complete replacement), not both or neither' });
    }
  });
export type ChangeSet = z.output<typeof ChangeSetSchema>;
export type ChangeSetInput = z.input<typeof ChangeSetSchema>;

/** What a director's plan does to its live connections (lib/ipvs/impact.ts classifies, its newest stats count). */
export const PlanImpactSchema = z.object({
  /** one per op, in the same order */
  ops: z.array(OpImpactSchema),
  /** ops that cut connections (deletions, key changes) */
  unsafeOps: z.number().int(),
  /** live connections those ops end; null: unknown (the director has no fresh stats) */
  cuts: z.number().int().nullable(),
  /** the stats second the counts were read at (null: no fresh stats) */
  statsAt: IsoDate.nullable(),
});
export type PlanImpact = z.output<typeof PlanImpactSchema>;

/** What one director would run for a candidate config, against its last reported live state. */
export const DirectorPlanSchema = z.object({
  director: z.string(),
  directorId: z.string(),
  connected: z.boolean(),
  /** reported: the agent's last live table; none: never reported, planned against an empty table */
  basis: z.enum(['reported', 'none']),
  basisReportedAt: IsoDate.nullable(),
  /** when the agent last verified that this table is still its live table (null: not since it was reported) */
  basisVerifiedAt: IsoDate.nullable(),
  ops: z.array(OpSchema),
  commands: z.array(z.string()),
  summary: z.string(),
  impact: PlanImpactSchema,
  /** set when ops/commands are only the first page (an import's answer): the full count; GET …/directors/{director}/plan has them all */
  opsTotal: z.number().int().optional(),
  /** failing servers the depool guard keeps in service on this director (quorum.guard), with the failing check */
  guarded: z.array(z.object({ service: ServiceKeySchema, server: RealServerKeySchema, reason: z.string() })).optional(),
});
export type DirectorPlan = z.output<typeof DirectorPlanSchema>;

export const PlanPreviewSchema = z.object({
  baseRevision: z.number().int(),
  /** the revision that is current now (differs from baseRevision when the base is stale) */
  currentRevision: z.number().int(),
  config: DirectorConfigSchema,
  hash: z.string(),
  /** true when the change set leaves the config as it is */
  unchanged: z.boolean(),
  diff: ConfigDiffSchema,
  summary: z.string(),
  rules: z.object({ before: z.string(), after: z.string() }),
  directors: z.array(DirectorPlanSchema),
});
export type PlanPreview = z.output<typeof PlanPreviewSchema>;

export const CommitResultSchema = z.object({ revision: RevisionSummarySchema, plan: PlanPreviewSchema, pushedTo: z.number().int() });
export type CommitResult = z.output<typeof CommitResultSchema>;

export const RollbackRequestSchema = z.object({
  toRevision: RevisionNumber,
  baseRevision: RevisionNumber,
  message: Message.optional(),
  /** as for a change set: the rollback cuts live connections and that is intended */
  confirmConnectionCuts: z.boolean().optional(),
});

export const DiffQuerySchema = z.object({
  from: z.coerce.number({ error: 'from must be a revision number' }).int().positive().max(DB_INT_MAX),
  to: z.coerce.number({ error: 'to must be a revision number' }).int().positive().max(DB_INT_MAX),
});
export const RevisionDiffSchema = z.object({
  from: RevisionSummarySchema,
  to: RevisionSummarySchema,
  diff: ConfigDiffSchema,
  rules: z.object({ from: z.string(), to: z.string(), unified: z.string() }),
});
export type RevisionDiff = z.output<typeof RevisionDiffSchema>;

// ---- import / export ------------------------------------------------------------------------

export const ImportFormatSchema = z.enum(['rules', 'keepalived', 'json', 'listing', 'sysctl'], {
  error: 'format must be rules (ipvsadm-save -n), keepalived, json, listing (ipvsadm -Ln) or sysctl (net.ipv4.vs.* lines of sysctl.conf)',
});
export const ImportRequestSchema = z
  .object({
    format: ImportFormatSchema.default('rules'),
    text: z.string({ error: 'text is required' }).max(20_000_000, 'text must be at most 20 MB'),
    baseRevision: RevisionNumber,
    message: Message.default('import'),
    /** keep the health checks, drains and globals of the current config for services that stay */
    keepOverlays: z.boolean().default(true),
    /** only validate and preview; commit nothing */
    dryRun: z.boolean().default(false),
    /** keepalived: the files `text` includes, by their paths relative to /etc/keepalived (or absolute) */
    files: z
      .array(
        z.object({
          path: z
            .string()
            .min(1)
            .max(1024)
            .regex(/^[^\0\n]+$/, 'path must be one line'),
          text: z.string().max(20_000_000),
        }),
      )
      .max(1000, 'at most 1000 files')
      .default([]),
    /** keepalived: a .tar or .tar.gz of /etc/keepalived instead of text and files (base64); `entry` names the main file inside it (default: the keepalived.conf nearest its root) */
    archive: z
      .object({
        name: z.string().min(1).max(255),
        base64: z
          .string()
          .max(22_400_000, 'the archive must be at most 16 MB')
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the archive must be base64'),
        entry: z.string().min(1).max(1024).optional(),
      })
      .optional(),
    /** keepalived -i: the config id for @id lines */
    configId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'config id must be 1–64 letters, digits, _ . : or -')
      .optional(),
    /** keepalived $NAME definitions, as if at the top of the main file */
    defines: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a definition name is a letter or _ then letters, digits, _'), z.string().max(4096)).optional(),
  })
  .refine((r) => r.text.length + r.files.reduce((n, f) => n + f.text.length, 0) <= 20_000_000, { path: ['files'], message: 'text and files must be at most 20 MB together' })
  .refine((r) => !r.archive || (r.format === 'keepalived' && !r.text.trim() && r.files.length === 0), {
    path: ['archive'],
    message: 'an archive is a keepalived import on its own: no text or files with it',
  });
export const KeepalivedNoteSchema = z.object({ file: z.string(), line: z.number().int(), path: z.string(), message: z.string() });
const ChangeCountsSchema = z.object({ total: z.number().int(), added: z.number().int(), changed: z.number().int(), removed: z.number().int() });
/**
 * An import's preview is a summary, not the config: counts, each director's first page of ops
 * (opsTotal has them all) and the diff's first entries of each list (counts has the totals). The
 * config and its rules text come from the revision or the export (issue 11 #7: 90 MB answers).
 */
export const ImportPreviewSchema = PlanPreviewSchema.omit({ config: true, rules: true }).extend({
  counts: z.object({ services: ChangeCountsSchema, realServers: ChangeCountsSchema }),
  /** true when diff.services lists are only their first entries */
  diffTruncated: z.boolean(),
});
export type ImportPreview = z.output<typeof ImportPreviewSchema>;
export const ImportResultSchema = z.object({
  plan: ImportPreviewSchema,
  revision: RevisionSummarySchema.nullable(),
  pushedTo: z.number().int(),
  /** keepalived imports: the files read (main file first) and what was not imported because it changes nothing in IPVS */
  keepalived: z.object({ files: z.array(z.string()), warnings: z.array(KeepalivedNoteSchema) }).optional(),
  /** listing imports: what an ipvsadm -Ln listing cannot carry */
  listing: z.object({ cannotCarry: z.array(z.string()) }).optional(),
  /** MISC_CHECK scripts that directors of the cluster reported not having */
  missingScripts: z.array(MissingScriptSchema).optional(),
});
export const ExportFormatSchema = z.enum(['rules', 'json', 'keepalived', 'sysctl'], { error: 'format must be rules, json, keepalived or sysctl' });
export const ExportQuerySchema = z.object({
  format: ExportFormatSchema.default('rules'),
  revision: z.coerce.number().int().positive().max(DB_INT_MAX).optional(),
  download: z.enum(['0', '1']).optional(),
});

// ---- clusters and directors -----------------------------------------------------------------

export const DirectorStateSchema = z.enum(['never-connected', 'offline', 'pending', 'applied', 'failed', 'drift', 'revoked']);
export type DirectorState = z.output<typeof DirectorStateSchema>;

export const NackErrorSchema = z.object({
  revision: z.number().int(),
  failedOp: OpSchema.nullable(),
  command: z.string(),
  message: z.string(),
  exitCode: z.number().int().nullable(),
  opsApplied: z.number().int(),
  at: IsoDate,
});

export const DirectorStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  cluster: z.string(),
  /** one word for the dashboard: revoked > never-connected > offline > failed > drift > pending > applied */
  state: DirectorStateSchema,
  connected: z.boolean(),
  lastSeenAt: IsoDate.nullable(),
  connectedAt: IsoDate.nullable(),
  tokenPrefix: z.string(),
  revoked: z.boolean(),
  agentVersion: z.string().nullable(),
  engine: z.string().nullable(),
  facts: CapabilitiesSchema.nullable(),
  desiredRevision: z.number().int().nullable(),
  appliedRevision: z.number().int().nullable(),
  appliedHash: z.string().nullable(),
  appliedAt: IsoDate.nullable(),
  inSync: z.boolean(),
  lastError: NackErrorSchema.nullable(),
  drift: DriftSchema.nullable(),
  health: z.array(HealthStateSchema),
  drains: z.array(DrainProgressSchema),
  /** when the agent last sent its live table (it sends it only when the table changed) */
  actualReportedAt: IsoDate.nullable(),
  /** when the agent last verified that its live table is still the one reported (every reconcile pass, ~10 s) */
  lastVerifiedAt: IsoDate.nullable(),
  /** the newest second of numbers this director delivered (null: none since the server started) */
  statsAt: IsoDate.nullable(),
  /** true when the director's numbers are older than 10 s (or it never sent any): sums leave it out */
  statsStale: z.boolean(),
  createdAt: IsoDate,
});
export type DirectorStatus = z.output<typeof DirectorStatusSchema>;

/**
 * SSE event `director-status` on every stats stream of a cluster: on open, every director in the
 * stream's scope; afterwards the directors whose status changed (connect, disconnect, ack, nack,
 * state, verified, health, drain, a new revision, numbers turning stale or fresh), each complete,
 * built by the same function as the REST answers. `removed`: ids of directors that were deleted.
 */
export const DirectorStatusEventSchema = z.object({ directors: z.array(DirectorStatusSchema), removed: z.array(z.string()) });
export type DirectorStatusEvent = z.output<typeof DirectorStatusEventSchema>;

/** A director's facts in full: its live table and its last HA report (VIPs on its interfaces, VRRP, sync daemons). */
export const DirectorDetailSchema = DirectorStatusSchema.extend({ actual: DirectorConfigSchema.nullable(), ha: HaStateSchema.nullable(), haReportedAt: z.string().nullable() });
export type DirectorDetail = z.output<typeof DirectorDetailSchema>;

export const RegisterDirectorRequestSchema = z.object({ name: DirectorNameSchema });
/** The token is shown once, here; only its hash is stored. */
export const RegisteredDirectorSchema = z.object({
  director: DirectorStatusSchema,
  token: z.string(),
  /** the line to run on the director (token written to a file first) */
  agentCommand: z.string(),
});
export const DirectorListSchema = z.object({ directors: z.array(DirectorStatusSchema) });

export const AdoptRequestSchema = z.object({ baseRevision: RevisionNumber, message: Message.optional() });
export const ReapplyResultSchema = z.object({ sent: z.boolean(), revision: z.number().int() });

export const LiveTotalsSchema = z.object({
  activeConns: z.number(),
  inactConns: z.number(),
  cps: z.number(),
  inbps: z.number(),
  outbps: z.number(),
  /** last 5 minutes of cps, one point per 10 s, oldest first (sparklines) */
  cpsSpark: z.array(z.number()),
});

export const ClusterSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  driftPolicy: DriftPolicySchema,
  currentRevision: RevisionSummarySchema.nullable(),
  services: z.number().int(),
  realServers: z.number().int(),
  directors: z.array(DirectorStatusSchema),
  alerts: z.object({ offline: z.number().int(), failed: z.number().int(), drift: z.number().int(), unhealthy: z.number().int(), draining: z.number().int() }),
  live: LiveTotalsSchema,
  createdAt: IsoDate,
});
export type ClusterSummary = z.output<typeof ClusterSummarySchema>;
export const ClusterListSchema = z.object({ clusters: z.array(ClusterSummarySchema) });
export const ClusterDetailSchema = ClusterSummarySchema.extend({ config: DirectorConfigSchema });
/**
 * GET a cluster: `first` keeps only the config's first N services (the counts stay whole), so a
 * page paints its first rows while the whole config (megabytes at 10,000 services) loads.
 */
export const ClusterDetailQuerySchema = z.object({
  first: z.coerce.number({ error: 'first must be a number of services' }).int().min(1, 'first must be 1–1000').max(1000, 'first must be 1–1000').optional(),
});
export type ClusterDetail = z.output<typeof ClusterDetailSchema>;

export const CreateClusterRequestSchema = z.object({
  name: ClusterNameSchema,
  description: z.string().trim().max(1000, 'description must be at most 1000 characters').default(''),
  driftPolicy: DriftPolicySchema.default('enforce'),
  /** the first revision's config; default empty */
  config: DirectorConfigSchema.optional(),
});
export const UpdateClusterRequestSchema = z
  .object({
    name: ClusterNameSchema.optional(),
    description: z.string().trim().max(1000, 'description must be at most 1000 characters').optional(),
    driftPolicy: DriftPolicySchema.optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'nothing to change: give name, description or driftPolicy');

// ---- connections --------------------------------------------------------------------------

export const ConnQueryParamsSchema = ConnFilterSchema.extend({
  offset: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1, 'limit must be 1–1000').max(1000, 'limit must be 1–1000').default(100),
});
export const ConnPageSchema = z.object({
  director: z.string(),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  entries: z.array(ConnEntrySchema),
  fetchedAt: IsoDate,
});
export type ConnPage = z.output<typeof ConnPageSchema>;

// ---- stats --------------------------------------------------------------------------------

/**
 * One point of a chart: connection gauges (averaged over the point's interval) and the kernel
 * estimator's rates (as ipvsadm --rate: connections, packets and BYTES per second).
 */
export const StatsPointSchema = z.object({
  t: z.number().int(), // epoch ms, start of the point's interval
  ...(Object.fromEntries(CHART_FIELDS.map((f) => [f, z.number()])) as { [F in ChartField]: z.ZodNumber }),
});
export type StatsPoint = z.output<typeof StatsPointSchema>;

export const StatsSeriesSchema = z.object({ key: z.string(), label: z.string(), points: z.array(StatsPointSchema) });
export type StatsSeries = z.output<typeof StatsSeriesSchema>;

/**
 * What a chart shows: a cluster (breakdown by director), a director (by service), a service
 * (by real server, summed over directors unless one is named) or one real server.
 * `service` is serviceKeyId ("tcp|10.0.0.1|80"), `server` is realServerKeyId ("10.0.1.1|80").
 */
export const StatsScopeSchema = z.object({
  director: z.string().optional(),
  service: ServiceKeyIdSchema.optional(),
  server: RealServerKeyIdSchema.optional(),
});
export const LiveRangeSchema = z.enum(['1m', '5m', '15m', '1h'], { error: 'live range must be 1m, 5m, 15m or 1h' });
export const HistoryRangeSchema = z.enum(['1h', '24h', '7d', '30d'], { error: 'range must be 1h, 24h, 7d or 30d' });
export const LiveStatsQuerySchema = StatsScopeSchema.extend({ range: LiveRangeSchema.default('5m') });
export const HistoryStatsQuerySchema = StatsScopeSchema.extend({ range: HistoryRangeSchema.default('1h') });
export const StatsStreamQuerySchema = StatsScopeSchema.extend({
  backfill: LiveRangeSchema.default('5m'),
  /**
   * With a table (cluster scope): a `table` event with every row, then a `table-delta` each second
   * with only the rows that changed. services: service rows; all: also every real server's row.
   */
  table: z.enum(['none', 'services', 'all'], { error: 'table must be none, services or all' }).default('none'),
});

export const StatsResponseSchema = z.object({
  range: z.string(),
  /** seconds per point */
  step: z.number().int(),
  from: z.number().int(),
  to: z.number().int(),
  total: StatsSeriesSchema,
  breakdown: z.array(StatsSeriesSchema),
});
export type StatsResponse = z.output<typeof StatsResponseSchema>;

/** SSE event `sample` on the browser stats stream: one second, the total and each breakdown key. */
export const StatsSampleEventSchema = z.object({
  t: z.number().int(),
  total: StatsPointSchema,
  breakdown: z.array(z.object({ key: z.string(), label: z.string(), point: StatsPointSchema })),
});
export type StatsSampleEvent = z.output<typeof StatsSampleEventSchema>;

/**
 * The current numbers of a whole cluster for tables (not charts): every service summed over the
 * directors reporting now, and each of its real servers, uncapped. Values are tuples in the order
 * of STATS_FIELDS (lib/api/stats-fields.ts), so 10,000 real servers stay a few hundred kilobytes.
 */
export const CurrentValuesSchema = StatsValuesSchema;
export type CurrentValues = StatsValues;
export const CurrentStatsQuerySchema = z.object({
  /** 0: services only (a table with no row expanded needs no per-server numbers) */
  servers: z.enum(['0', '1'], { error: 'servers must be 0 or 1' }).default('1'),
});
export const CurrentStatsSchema = z.object({
  /** epoch ms of the oldest second summed (each director contributes its newest); null when none reports */
  t: z.number().int().nullable(),
  /** directors whose numbers are in the sums (those silent for more than 10 s are not) */
  directors: z.number().int(),
  /** the order of each values tuple: STATS_FIELDS */
  fields: z.array(z.enum(STATS_FIELDS)),
  /** serviceKeyId -> values */
  services: z.record(z.string(), CurrentValuesSchema),
  /** serviceKeyId -> realServerKeyId -> values (empty with servers=0) */
  realServers: z.record(z.string(), z.record(z.string(), CurrentValuesSchema)),
});
export type CurrentStats = z.output<typeof CurrentStatsSchema>;

/**
 * SSE event `table` on a stats stream opened with `table=services|all`: the whole table once (on
 * open, and again whenever the server cannot vouch for the browser's copy). Row keys are
 * serviceKeyId for services and serverKeyId ("service#server") for real servers; values in
 * STATS_FIELDS order, summed over the directors reporting now.
 */
export const StatsTableEventSchema = z.object({
  /** as CurrentStats.t: the oldest second in the sums (epoch ms), null when no director reports */
  t: z.number().int().nullable(),
  directors: z.number().int(),
  fields: z.array(z.enum(STATS_FIELDS)),
  rows: z.array(StatsRowSchema),
});
export type StatsTableEvent = z.output<typeof StatsTableEventSchema>;

/**
 * SSE event `table-delta`, once a second after `table`: only the rows whose numbers changed (all
 * their values) and the keys of rows that left. Applied in order to the `table` (applyTableDelta in
 * lib/api/stats-delta.ts) it gives the server's table exactly. No event when nothing changed.
 */
export const StatsTableDeltaEventSchema = z.object({
  t: z.number().int().nullable(),
  directors: z.number().int(),
  rows: z.array(StatsRowSchema),
  gone: z.array(z.string()),
});
export type StatsTableDeltaEvent = z.output<typeof StatsTableDeltaEventSchema>;

// ---- audit --------------------------------------------------------------------------------

export const AuditEventSchema = z.object({
  id: z.string(),
  at: IsoDate,
  actor: z.string(),
  action: z.string(),
  cluster: z.string().nullable(),
  target: z.string().nullable(),
  beforeRevision: z.number().int().nullable(),
  afterRevision: z.number().int().nullable(),
  clientIp: z.string().nullable(),
  details: z.unknown().nullable(),
});
export type AuditEvent = z.output<typeof AuditEventSchema>;
export const AuditQuerySchema = z.object({
  actor: z.string().max(200).optional(),
  /** exact action, or a prefix ending in "." ("login." matches login.success and login.failure) */
  action: z.string().max(100).optional(),
  cluster: z.string().max(100).optional(),
  from: z.iso.datetime({ error: 'from must be an ISO-8601 time', offset: true }).optional(),
  to: z.iso.datetime({ error: 'to must be an ISO-8601 time', offset: true }).optional(),
  limit: z.coerce.number().int().min(1, 'limit must be 1–500').max(500, 'limit must be 1–500').default(100),
  /** opaque cursor from nextCursor */
  cursor: z.string().max(200).optional(),
});
export const AuditPageSchema = z.object({ events: z.array(AuditEventSchema), nextCursor: z.string().nullable() });

// ---- misc ---------------------------------------------------------------------------------

export const HealthResponseSchema = z.object({ ok: z.boolean(), database: z.enum(['sqlite', 'postgres']), version: z.string() });
export const OkSchema = z.object({ ok: z.literal(true) });

// ---- HA (issue 14) --------------------------------------------------------------------------

export const VipOwnershipSchema = z.object({
  vip: z.string(),
  state: z.enum(VIP_STATES),
  owners: z.array(z.string()),
  /** directors whose HA report counts now (connected, fresh, addresses read) */
  reporting: z.array(z.string()),
  /** when the console first saw the current state; null before it evaluated this VIP */
  since: z.string().nullable(),
  /** the last director that held the VIP alone */
  lastOwner: z.string().nullable(),
});
export type VipOwnershipView = z.output<typeof VipOwnershipSchema>;

export const FailoverEventSchema = z.object({
  id: z.string(),
  vip: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  at: z.string(),
  cause: z.string(),
  failback: z.boolean(),
  /** a failback onto a director whose connection sync was not complete */
  warning: z.string().nullable(),
});
export type FailoverEvent = z.output<typeof FailoverEventSchema>;

export const FailoverListSchema = z.object({ failovers: z.array(FailoverEventSchema) });
export const FailoverQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  vip: z.string().max(64).optional(),
});

export const HaViewSchema = z.object({
  cluster: z.string(),
  vips: z.array(VipOwnershipSchema),
  directors: z.array(z.object({ name: z.string(), connected: z.boolean(), ha: HaStateSchema.nullable(), haReportedAt: z.string().nullable() })),
  failovers: z.array(FailoverEventSchema),
  /** the demo's simulated VRRP segment is available (the demo failover action works) */
  demoFailover: z.boolean(),
});
export type HaView = z.output<typeof HaViewSchema>;

export const DemoFailoverResultSchema = z.object({
  from: z.string(),
  to: z.string(),
  reason: z.string(),
});
export type DemoFailoverResult = z.output<typeof DemoFailoverResultSchema>;
