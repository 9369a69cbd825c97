'use client';
// react-query hooks over lib/api/client: the one table of query keys, and a query hook per
// resource, with refetch intervals where the data moves (director status while a rollout runs,
// connection tables on auto-refresh). Mutations live beside them in ./mutations.ts and invalidate
// only through this table.
import { keepPreviousData, useInfiniteQuery, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { api } from '@/lib/api/client';
import { statusStreamOpen } from '../live/director-status';
import { keys, type AuditQuery, type ConnectionsQuery, type HistoryQuery, type PreviewBody } from './keys';

export { keys };

type Opt<T> = Omit<UseQueryOptions<T, Error, T, readonly unknown[]>, 'queryKey' | 'queryFn'>;

export const useMe = (o: Opt<Awaited<ReturnType<typeof api.me>>> = {}) =>
  useQuery({ queryKey: keys.me, queryFn: ({ signal }) => api.me(signal), staleTime: 60_000, retry: false, ...o });

export const useClusters = (o: Opt<Awaited<ReturnType<typeof api.listClusters>>> = {}) =>
  useQuery({ queryKey: keys.clusters, queryFn: ({ signal }) => api.listClusters(signal), refetchInterval: 5_000, ...o });

/**
 * The cluster with its whole config. While the cluster's status stream is open it is not polled:
 * the stream brings director status, and a new revision on it invalidates this query
 * (live/director-status.ts), so a 10,000-service config is not re-read every few seconds.
 */
export const useCluster = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.getCluster>>> = {}) =>
  useQuery({ queryKey: keys.cluster(cluster), queryFn: ({ signal }) => api.getCluster(cluster, signal), refetchInterval: () => (statusStreamOpen(cluster) ? false : 5_000), ...o });

/** How many services the first paint of a cluster's page shows (more than a screen's rows). */
export const FIRST_SERVICES = 50;

/**
 * The cluster with only its config's first services, fetched beside useCluster while that one
 * is pending (`whileFullPending`): a page paints its header and first rows from this small answer
 * instead of waiting for a 10,000-service config, so its first paint stays flat in the size.
 */
export const useClusterHead = (cluster: string, whileFullPending: boolean) =>
  useQuery({ queryKey: keys.clusterHead(cluster), queryFn: ({ signal }) => api.getClusterHead(cluster, FIRST_SERVICES, signal), enabled: whileFullPending, staleTime: 10_000 });

export const useDirectors = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.listDirectors>>> = {}) =>
  useQuery({ queryKey: keys.directors(cluster), queryFn: ({ signal }) => api.listDirectors(cluster, signal), refetchInterval: 3_000, ...o });

export const useDirector = (cluster: string, director: string, o: Opt<Awaited<ReturnType<typeof api.getDirector>>> = {}) =>
  useQuery({ queryKey: keys.director(cluster, director), queryFn: ({ signal }) => api.getDirector(cluster, director, signal), refetchInterval: 3_000, ...o });

export const useDirectorPlan = (cluster: string, director: string, o: Opt<Awaited<ReturnType<typeof api.directorPlan>>> = {}) =>
  useQuery({ queryKey: keys.directorPlan(cluster, director), queryFn: () => api.directorPlan(cluster, director), ...o });

export const useClusterHa = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.clusterHa>>> = {}) =>
  useQuery({ queryKey: keys.ha(cluster), queryFn: ({ signal }) => api.clusterHa(cluster, signal), refetchInterval: 2_000, ...o });

export const useRevisions = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.listRevisions>>> = {}) =>
  useQuery({ queryKey: keys.revisions(cluster), queryFn: () => api.listRevisions(cluster, { limit: 200 }), ...o });

export const useRevision = (cluster: string, n: number | null, o: Opt<Awaited<ReturnType<typeof api.getRevision>>> = {}) =>
  useQuery({ queryKey: keys.revision(cluster, n ?? 0), queryFn: () => api.getRevision(cluster, n!), enabled: n !== null, staleTime: Infinity, ...o });

export const useDiff = (cluster: string, from: number | null, to: number | null) =>
  useQuery({
    queryKey: keys.diff(cluster, from ?? 0, to ?? 0),
    queryFn: () => api.diffRevisions(cluster, from!, to!),
    enabled: from !== null && to !== null && from !== to,
    staleTime: Infinity,
  });

/** The cluster's rollout policy (the Review screen's default). */
export const useRolloutPolicy = (cluster: string) => useQuery({ queryKey: keys.rolloutPolicy(cluster), queryFn: () => api.getRolloutPolicy(cluster), staleTime: 30_000 });

/** Staged rollouts, newest first; polled while one may still move (its gates change each second). */
export const useRollouts = (cluster: string) =>
  useQuery({
    queryKey: keys.rollouts(cluster),
    queryFn: ({ signal }) => api.listRollouts(cluster, signal),
    refetchInterval: (q) => (q.state.data?.rollouts.some((r) => r.state === 'running' || r.state === 'paused' || r.state === 'held') ? 1_000 : 5_000),
  });

/** The plan for a change set (or a rollback's config) against each director's live table. */
export const usePreview = (cluster: string, body: PreviewBody) =>
  useQuery({ queryKey: keys.preview(cluster, body), queryFn: () => api.previewChanges(cluster, body), staleTime: 5_000, refetchOnWindowFocus: false });

/** A director's connection table, asked of its agent; the previous page stays while the next loads. */
export const useConnections = (cluster: string, director: string, query: ConnectionsQuery, autoRefresh: boolean) =>
  useQuery({
    queryKey: keys.connections(cluster, director, query),
    queryFn: ({ signal }) => api.listConnections(cluster, director, query, signal),
    refetchInterval: autoRefresh ? 2000 : false,
    placeholderData: keepPreviousData,
    retry: false,
  });

/** Audit events, newest first, a page of `query.limit` at a time. */
export const useAudit = (query: AuditQuery) =>
  useInfiniteQuery({
    queryKey: keys.audit(query),
    queryFn: ({ pageParam, signal }) => api.listAudit({ ...query, ...(pageParam ? { cursor: pageParam } : {}) }, signal),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 15_000,
  });

export const useHistoryStats = (cluster: string, query: HistoryQuery, enabled: boolean) =>
  useQuery({ queryKey: keys.historyStats(cluster, query), queryFn: ({ signal }) => api.historyStats(cluster, query, signal), enabled, refetchInterval: 60_000 });

export const useUsers = () => useQuery({ queryKey: keys.users, queryFn: () => api.listUsers() });
export const useTokens = () => useQuery({ queryKey: keys.tokens, queryFn: () => api.listTokens() });

export const useServiceTimeline = (cluster: string, service: string, hours: number) =>
  useQuery({ queryKey: keys.timeline(cluster, service, hours), queryFn: ({ signal }) => api.serviceTimeline(cluster, { service, hours }, signal), refetchInterval: 10_000, placeholderData: keepPreviousData });

export const useAvailability = (cluster: string, service: string) =>
  useQuery({ queryKey: keys.availability(cluster, service), queryFn: ({ signal }) => api.healthAvailability(cluster, { service }, signal), refetchInterval: 30_000 });

export const useAlertSettings = (cluster: string) => useQuery({ queryKey: keys.alertSettings(cluster), queryFn: () => api.getAlertSettings(cluster) });

export const useAlertTargets = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.listAlertTargets>>> = {}) =>
  useQuery({ queryKey: keys.alertTargets(cluster), queryFn: () => api.listAlertTargets(cluster), ...o });

/** The delivery log moves on its own (retries, new alerts): refreshed every 2 s while shown. */
export const useAlertDeliveries = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.listAlertDeliveries>>> = {}) =>
  useQuery({ queryKey: keys.alertDeliveries(cluster), queryFn: () => api.listAlertDeliveries(cluster, { limit: 50 }), refetchInterval: 2_000, ...o });
