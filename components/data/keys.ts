// The one table of query keys (react-query). Hierarchical: everything of one cluster sits under
// keys.clusterScope(c), everything of one director under keys.director(c, d), so one prefix
// refreshes what a change can move. Queries (./queries.ts), mutations (./mutations.ts) and the
// live stores take their keys from here only.
import type { api } from '@/lib/api/client';

export type AuditQuery = NonNullable<Parameters<typeof api.listAudit>[0]>;
export type ConnectionsQuery = NonNullable<Parameters<typeof api.listConnections>[2]>;
export type HistoryQuery = NonNullable<Parameters<typeof api.historyStats>[1]>;
export type PreviewBody = Parameters<typeof api.previewChanges>[1];

export const keys = {
  me: ['me'] as const,
  clusters: ['clusters'] as const,
  /** prefix of every query about one cluster */
  clusterScope: (c: string) => ['cluster', c] as const,
  cluster: (c: string) => ['cluster', c, 'detail'] as const,
  /** the cluster with its config's first services only (useClusterHead) */
  clusterHead: (c: string) => ['cluster', c, 'head'] as const,
  directors: (c: string) => ['cluster', c, 'directors'] as const,
  /** a director's status; also the prefix of its plan and connection table */
  director: (c: string, d: string) => ['cluster', c, 'director', d] as const,
  directorPlan: (c: string, d: string) => ['cluster', c, 'director', d, 'plan'] as const,
  connections: (c: string, d: string, q: ConnectionsQuery) => ['cluster', c, 'director', d, 'connections', q] as const,
  revisions: (c: string) => ['cluster', c, 'revisions'] as const,
  /** VIP ownership and the failover timeline */
  ha: (c: string) => ['cluster', c, 'ha'] as const,
  revision: (c: string, n: number) => ['cluster', c, 'revision', n] as const,
  diff: (c: string, a: number, b: number) => ['cluster', c, 'diff', a, b] as const,
  preview: (c: string, body: PreviewBody) => ['cluster', c, 'preview', body] as const,
  historyStats: (c: string, q: HistoryQuery) => ['cluster', c, 'stats-history', q] as const,
  rolloutPolicy: (c: string) => ['cluster', c, 'rollout-policy'] as const,
  rollouts: (c: string) => ['cluster', c, 'rollouts'] as const,
  /** a service's timeline (health transitions, config changes, failovers) */
  timeline: (c: string, service: string, hours: number) => ['cluster', c, 'timeline', service, hours] as const,
  availability: (c: string, service: string) => ['cluster', c, 'availability', service] as const,
  /** prefix of the alert settings, targets and delivery log */
  alerts: (c: string) => ['cluster', c, 'alerts'] as const,
  alertSettings: (c: string) => ['cluster', c, 'alerts', 'settings'] as const,
  alertTargets: (c: string) => ['cluster', c, 'alerts', 'targets'] as const,
  alertDeliveries: (c: string) => ['cluster', c, 'alerts', 'deliveries'] as const,
  /** prefix of every audit page */
  auditAll: ['audit'] as const,
  audit: (q: AuditQuery) => ['audit', q] as const,
  users: ['users'] as const,
  tokens: ['tokens'] as const,
};
