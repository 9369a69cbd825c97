// Every REST endpoint in one table: method, path, who may call it, and its schemas. The route
// handlers take their schemas and role from here, the browser client builds its calls from it,
// the OpenAPI document is generated from it, and a test checks that app/api matches it exactly
// and that every non-public route refuses anonymous and under-privileged callers.
import { z } from 'zod';
import * as S from './schemas';
import { RolloutActionSchema, RolloutListSchema, RolloutPolicySchema, RolloutSchema } from './rollout';
import { ConnAnswerSchema, ReportSchema, StatsBatchSchema } from '../protocol/messages';
import * as A from './alerts';
import * as H from './health-history';

/** public: anyone; viewer/operator/admin: a signed-in user or API token with at least that role; director: an agent's bearer token. */
export type Access = 'public' | 'director' | S.Role;
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface EndpointDef {
  method: Method;
  /** OpenAPI style: /api/v1/clusters/{cluster} */
  path: string;
  access: Access;
  summary: string;
  tag: string;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  /** json (default), text (rules, keepalived.conf, metrics) or sse (event stream) */
  produces?: 'json' | 'text' | 'sse';
  /** status of a success (default 200) */
  status?: number;
}

const def = <const T extends EndpointDef>(d: T): T => d;

export const endpoints = {
  health: def({ method: 'GET', path: '/api/v1/health', access: 'public', tag: 'system', summary: 'Liveness: the server and its database answer', response: S.HealthResponseSchema }),
  openapi: def({ method: 'GET', path: '/api/v1/openapi.json', access: 'public', tag: 'system', summary: 'This API as an OpenAPI 3.1 document' }),
  metrics: def({ method: 'GET', path: '/api/metrics', access: 'viewer', tag: 'system', summary: 'Prometheus metrics (requests, agents, push latency, revisions)', produces: 'text' }),

  login: def({ method: 'POST', path: '/api/v1/auth/login', access: 'public', tag: 'auth', summary: 'Sign in: sets an HTTP-only session cookie', body: S.LoginRequestSchema, response: S.MeSchema }),
  logout: def({ method: 'POST', path: '/api/v1/auth/logout', access: 'viewer', tag: 'auth', summary: 'Sign out: ends the session', response: S.OkSchema }),
  me: def({ method: 'GET', path: '/api/v1/auth/me', access: 'viewer', tag: 'auth', summary: 'Who is calling, and with which role', response: S.MeSchema }),
  changePassword: def({
    method: 'POST',
    path: '/api/v1/auth/password',
    access: 'viewer',
    tag: 'auth',
    summary: 'Change your own password (ends your other sessions)',
    body: S.ChangePasswordRequestSchema,
    response: S.OkSchema,
  }),

  listUsers: def({ method: 'GET', path: '/api/v1/users', access: 'admin', tag: 'users', summary: 'List users', response: S.UserListSchema }),
  createUser: def({ method: 'POST', path: '/api/v1/users', access: 'admin', tag: 'users', summary: 'Create a user', body: S.CreateUserRequestSchema, response: S.UserSchema, status: 201 }),
  updateUser: def({
    method: 'PATCH',
    path: '/api/v1/users/{user}',
    access: 'admin',
    tag: 'users',
    summary: "Change a user's role, password or disabled flag",
    body: S.UpdateUserRequestSchema,
    response: S.UserSchema,
  }),
  deleteUser: def({ method: 'DELETE', path: '/api/v1/users/{user}', access: 'admin', tag: 'users', summary: 'Delete a user (and their sessions and tokens)', response: S.OkSchema }),

  listTokens: def({ method: 'GET', path: '/api/v1/tokens', access: 'viewer', tag: 'tokens', summary: "Your API tokens (admins: everyone's)", response: S.ApiTokenListSchema }),
  createToken: def({
    method: 'POST',
    path: '/api/v1/tokens',
    access: 'viewer',
    tag: 'tokens',
    summary: 'Create an API token (role at most yours); the secret is shown once',
    body: S.CreateApiTokenRequestSchema,
    response: S.CreatedApiTokenSchema,
    status: 201,
  }),
  revokeToken: def({ method: 'DELETE', path: '/api/v1/tokens/{token}', access: 'viewer', tag: 'tokens', summary: 'Revoke an API token (yours; admins: any)', response: S.OkSchema }),

  listClusters: def({ method: 'GET', path: '/api/v1/clusters', access: 'viewer', tag: 'clusters', summary: 'Clusters with their directors, revision and live totals', response: S.ClusterListSchema }),
  createCluster: def({
    method: 'POST',
    path: '/api/v1/clusters',
    access: 'operator',
    tag: 'clusters',
    summary: 'Create a cluster (revision 1 is its first config)',
    body: S.CreateClusterRequestSchema,
    response: S.ClusterDetailSchema,
    status: 201,
  }),
  getCluster: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}',
    access: 'viewer',
    tag: 'clusters',
    summary: 'A cluster and its current desired config (with first=N: only its first N services)',
    query: S.ClusterDetailQuerySchema,
    response: S.ClusterDetailSchema,
  }),
  updateCluster: def({
    method: 'PATCH',
    path: '/api/v1/clusters/{cluster}',
    access: 'operator',
    tag: 'clusters',
    summary: 'Rename a cluster or change its description or drift policy',
    body: S.UpdateClusterRequestSchema,
    response: S.ClusterDetailSchema,
  }),
  deleteCluster: def({ method: 'DELETE', path: '/api/v1/clusters/{cluster}', access: 'admin', tag: 'clusters', summary: 'Delete a cluster with its revisions and directors', response: S.OkSchema }),

  listRevisions: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/revisions',
    access: 'viewer',
    tag: 'revisions',
    summary: 'Revision history, newest first',
    query: S.RevisionListQuerySchema,
    response: S.RevisionListSchema,
  }),
  getRevision: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/revisions/{revision}',
    access: 'viewer',
    tag: 'revisions',
    summary: 'One revision with its full config',
    response: S.RevisionSchema,
  }),
  previewChanges: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/plan',
    access: 'operator',
    tag: 'revisions',
    summary: "Plan preview: the resulting config, its diff and each director's ipvsadm commands; commits nothing",
    body: S.ChangeSetSchema,
    response: S.PlanPreviewSchema,
  }),
  commitChanges: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/changes',
    access: 'operator',
    tag: 'revisions',
    summary:
      "Apply a change set: a new revision, pushed to the agents at once or in a staged rollout (`rollout`, default the cluster's policy); 409 when the base is stale or a rollout is still moving",
    body: S.ChangeSetSchema,
    response: S.CommitResultSchema,
    status: 201,
  }),
  rollback: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/rollback',
    access: 'operator',
    tag: 'revisions',
    summary: 'A new revision whose config equals an old one',
    body: S.RollbackRequestSchema,
    response: S.CommitResultSchema,
    status: 201,
  }),
  getRolloutPolicy: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/rollout-policy',
    access: 'viewer',
    tag: 'rollouts',
    summary: "The cluster's rollout policy: all at once, one director at a time, or canary (first N, a soak time, then batches)",
    response: RolloutPolicySchema,
  }),
  setRolloutPolicy: def({
    method: 'PATCH',
    path: '/api/v1/clusters/{cluster}/rollout-policy',
    access: 'operator',
    tag: 'rollouts',
    summary: "Set the cluster's rollout policy (a change set may override it with `rollout`)",
    body: RolloutPolicySchema,
    response: RolloutPolicySchema,
  }),
  listRollouts: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/rollouts',
    access: 'viewer',
    tag: 'rollouts',
    summary: 'Staged rollouts, newest first (the last 20): steps, directors, each gate and why it passed or held',
    response: RolloutListSchema,
  }),
  getRollout: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/rollouts/{revision}',
    access: 'viewer',
    tag: 'rollouts',
    summary: 'The staged rollout of one revision',
    response: RolloutSchema,
  }),
  rolloutAction: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/rollouts/{revision}/actions',
    access: 'operator',
    tag: 'rollouts',
    summary: 'Pause, resume or abort a staged rollout; after an abort, roll back (a new revision equal to the previous one, pushed to the directors that took the new one; answers its rollout)',
    body: RolloutActionSchema,
    response: RolloutSchema,
  }),
  diffRevisions: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/diff',
    access: 'viewer',
    tag: 'revisions',
    summary: 'Diff two revisions, structured and as rules text',
    query: S.DiffQuerySchema,
    response: S.RevisionDiffSchema,
  }),
  importConfig: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/import',
    access: 'operator',
    tag: 'revisions',
    summary: 'Import ipvsadm-save -n text, keepalived.conf, JSON, an ipvsadm -Ln listing or net.ipv4.vs.* sysctl.conf lines (the IPVS settings only) as a new revision (errors name the line)',
    body: S.ImportRequestSchema,
    response: S.ImportResultSchema,
  }),
  exportConfig: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/export',
    access: 'viewer',
    tag: 'revisions',
    summary: 'Export a revision as ipvsadm rules, JSON, keepalived.conf virtual_server blocks or its IPVS settings as sysctl.conf lines',
    query: S.ExportQuerySchema,
    produces: 'text',
  }),

  listDirectors: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/directors',
    access: 'viewer',
    tag: 'directors',
    summary: 'Directors of a cluster with their status',
    response: S.DirectorListSchema,
  }),
  registerDirector: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/directors',
    access: 'operator',
    tag: 'directors',
    summary: 'Register a director; its token is shown once',
    body: S.RegisterDirectorRequestSchema,
    response: S.RegisteredDirectorSchema,
    status: 201,
  }),
  clusterHa: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/ha',
    access: 'viewer',
    tag: 'ha',
    summary: "Who holds each VIP (from the directors' HA reports: addresses, VRRP, sync daemons), split brain and orphan VIPs, and the latest failovers",
    response: S.HaViewSchema,
  }),
  listFailovers: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/ha/failovers',
    access: 'viewer',
    tag: 'ha',
    summary: 'The failover timeline, newest first: VIP, from, to, time, cause, and a warning when a failback found connection sync incomplete',
    query: S.FailoverQuerySchema,
    response: S.FailoverListSchema,
  }),
  demoFailover: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/ha/demo-failover',
    access: 'operator',
    tag: 'ha',
    summary: "Demo only: fail the demo cluster's VIPs over to the other simulated director (changes the simulated VRRP segment; 409 outside the demo)",
    response: S.DemoFailoverResultSchema,
  }),
  getDirector: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/directors/{director}',
    access: 'viewer',
    tag: 'directors',
    summary: "A director's status with its last reported live config",
    response: S.DirectorDetailSchema,
  }),
  deleteDirector: def({
    method: 'DELETE',
    path: '/api/v1/clusters/{cluster}/directors/{director}',
    access: 'operator',
    tag: 'directors',
    summary: 'Remove a director (its agent is disconnected)',
    response: S.OkSchema,
  }),
  revokeDirector: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/directors/{director}/revoke',
    access: 'operator',
    tag: 'directors',
    summary: "Revoke a director's token (its agent is disconnected)",
    response: S.DirectorStatusSchema,
  }),
  rotateDirectorToken: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/directors/{director}/rotate',
    access: 'operator',
    tag: 'directors',
    summary: 'Issue a new token (shown once); the old one stops working',
    response: S.RegisteredDirectorSchema,
  }),
  directorPlan: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/directors/{director}/plan',
    access: 'viewer',
    tag: 'directors',
    summary: 'What the director would run now: desired vs its last reported live state',
    response: S.DirectorPlanSchema,
  }),
  reapplyDirector: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/directors/{director}/reapply',
    access: 'operator',
    tag: 'directors',
    summary: 'Drift: re-apply the desired revision now',
    response: S.ReapplyResultSchema,
  }),
  adoptActual: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/directors/{director}/adopt',
    access: 'operator',
    tag: 'directors',
    summary: "Drift: make the director's live state the new desired revision",
    body: S.AdoptRequestSchema,
    response: S.CommitResultSchema,
    status: 201,
  }),
  listConnections: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/directors/{director}/connections',
    access: 'viewer',
    tag: 'directors',
    summary: "The director's live connection table, filtered and paginated by its agent",
    query: S.ConnQueryParamsSchema,
    response: S.ConnPageSchema,
  }),

  liveStats: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/stats/live',
    access: 'viewer',
    tag: 'stats',
    summary: 'Per-second series from memory (up to the last hour)',
    query: S.LiveStatsQuerySchema,
    response: S.StatsResponseSchema,
  }),
  historyStats: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/stats/history',
    access: 'viewer',
    tag: 'stats',
    summary: 'Minute rollups over 1 h, 24 h, 7 d or 30 d, downsampled',
    query: S.HistoryStatsQuerySchema,
    response: S.StatsResponseSchema,
  }),
  currentStats: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/stats/current',
    access: 'viewer',
    tag: 'stats',
    summary: 'Current numbers of every service (summed over directors) and every real server, uncapped, from memory: for tables',
    query: S.CurrentStatsQuerySchema,
    response: S.CurrentStatsSchema,
  }),
  statsStream: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/stats/stream',
    access: 'viewer',
    tag: 'stats',
    summary:
      'Server-sent events: `backfill` (a StatsResponse) then one `sample` per second; `director-status` on every status change; with table=services|all a `table` then one `table-delta` per second (changed rows only)',
    query: S.StatsStreamQuerySchema,
    produces: 'sse',
  }),

  healthHistory: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/health/history',
    access: 'viewer',
    tag: 'health',
    summary: "Real servers' health transitions (time, director, state entered, reason, the probe's own error), newest first",
    query: H.HealthHistoryQuerySchema,
    response: H.HealthHistorySchema,
  }),
  healthAvailability: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/health/availability',
    access: 'viewer',
    tag: 'health',
    summary: 'Availability of every real server per director over 24 h, 7 d and 30 d (from its transitions), and whether it is flapping',
    query: H.AvailabilityQuerySchema,
    response: H.AvailabilitySchema,
  }),
  serviceTimeline: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/timeline',
    access: 'viewer',
    tag: 'health',
    summary: "A service's timeline: health transitions, config changes (revisions touching it) and failovers, oldest first",
    query: H.TimelineQuerySchema,
    response: H.TimelineSchema,
  }),

  getAlertSettings: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/alerts/settings',
    access: 'viewer',
    tag: 'alerts',
    summary: 'Flapping rule, hold-down and disconnect limit',
    response: A.AlertSettingsSchema,
  }),
  updateAlertSettings: def({
    method: 'PATCH',
    path: '/api/v1/clusters/{cluster}/alerts/settings',
    access: 'admin',
    tag: 'alerts',
    summary: 'Change the flapping rule, hold-down (pushed to the agents) or disconnect limit',
    body: A.AlertSettingsUpdateSchema,
    response: A.AlertSettingsSchema,
  }),
  listAlertTargets: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/alerts/targets',
    access: 'admin',
    tag: 'alerts',
    summary: "The cluster's webhook targets",
    response: A.AlertTargetListSchema,
  }),
  createAlertTarget: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/alerts/targets',
    access: 'admin',
    tag: 'alerts',
    summary: 'Add a webhook target (generic JSON or Slack-compatible) for some alert kinds',
    body: A.AlertTargetInputSchema,
    response: A.AlertTargetSchema,
    status: 201,
  }),
  updateAlertTarget: def({
    method: 'PATCH',
    path: '/api/v1/clusters/{cluster}/alerts/targets/{target}',
    access: 'admin',
    tag: 'alerts',
    summary: 'Change a webhook target',
    body: A.AlertTargetUpdateSchema,
    response: A.AlertTargetSchema,
  }),
  deleteAlertTarget: def({
    method: 'DELETE',
    path: '/api/v1/clusters/{cluster}/alerts/targets/{target}',
    access: 'admin',
    tag: 'alerts',
    summary: 'Remove a webhook target (and its deliveries)',
    response: S.OkSchema,
  }),
  testAlertTarget: def({
    method: 'POST',
    path: '/api/v1/clusters/{cluster}/alerts/targets/{target}/test',
    access: 'admin',
    tag: 'alerts',
    summary: 'Queue a test alert to this target (it appears in the delivery log)',
    response: A.AlertTestResultSchema,
    status: 202,
  }),
  listAlertDeliveries: def({
    method: 'GET',
    path: '/api/v1/clusters/{cluster}/alerts/deliveries',
    access: 'admin',
    tag: 'alerts',
    summary: 'The delivery log, newest first: status, attempts, last error, response code',
    query: A.AlertDeliveryQuerySchema,
    response: A.AlertDeliveryListSchema,
  }),

  listAudit: def({
    method: 'GET',
    path: '/api/v1/audit',
    access: 'operator',
    tag: 'audit',
    summary: 'Audit events, newest first, with filters',
    query: S.AuditQuerySchema,
    response: S.AuditPageSchema,
  }),

  agentStream: def({ method: 'GET', path: '/api/v1/agent/stream', access: 'director', tag: 'agent', summary: 'Server-sent events to an agent: desired, reconcile, conn-query', produces: 'sse' }),
  agentReport: def({ method: 'POST', path: '/api/v1/agent/report', access: 'director', tag: 'agent', summary: 'hello, ack, nack, state, health or drain', body: ReportSchema, response: S.OkSchema }),
  agentStats: def({
    method: 'POST',
    path: '/api/v1/agent/stats',
    access: 'director',
    tag: 'agent',
    summary: 'A batch of per-second stats samples',
    body: StatsBatchSchema,
    response: z.object({ ok: z.literal(true), accepted: z.number().int() }),
  }),
  agentConnections: def({ method: 'POST', path: '/api/v1/agent/connections', access: 'director', tag: 'agent', summary: 'The answer to a conn-query', body: ConnAnswerSchema, response: S.OkSchema }),
} as const;

export type Endpoints = typeof endpoints;
export type EndpointId = keyof Endpoints;

/** Path parameter names of an OpenAPI path ("/a/{b}/c/{d}" -> "b" | "d"). */
export type PathParams<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | PathParams<Rest> : never;

export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
