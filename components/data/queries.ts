'use client';
// react-query hooks over lib/api/client: one query key per resource, refetch intervals where
// the data moves (director status while a rollout runs, connection tables on auto-refresh).
import { keepPreviousData, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { api } from '../../lib/api/client';

export const keys = {
  me: ['me'] as const,
  clusters: ['clusters'] as const,
  cluster: (c: string) => ['cluster', c] as const,
  directors: (c: string) => ['directors', c] as const,
  director: (c: string, d: string) => ['director', c, d] as const,
  directorPlan: (c: string, d: string) => ['director-plan', c, d] as const,
  revisions: (c: string) => ['revisions', c] as const,
  revision: (c: string, n: number) => ['revision', c, n] as const,
  diff: (c: string, a: number, b: number) => ['diff', c, a, b] as const,
  connections: (c: string, d: string, q: object) => ['connections', c, d, q] as const,
  audit: (q: object) => ['audit', q] as const,
  currentStats: (c: string, servers: boolean) => ['current-stats', c, servers] as const,
  users: ['users'] as const,
  tokens: ['tokens'] as const,
};

type Opt<T> = Omit<UseQueryOptions<T, Error, T, readonly unknown[]>, 'queryKey' | 'queryFn'>;

export const useMe = (o: Opt<Awaited<ReturnType<typeof api.me>>> = {}) =>
  useQuery({ queryKey: keys.me, queryFn: ({ signal }) => api.me(signal), staleTime: 60_000, retry: false, ...o });

export const useClusters = (o: Opt<Awaited<ReturnType<typeof api.listClusters>>> = {}) =>
  useQuery({ queryKey: keys.clusters, queryFn: ({ signal }) => api.listClusters(signal), refetchInterval: 5_000, ...o });

export const useCluster = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.getCluster>>> = {}) =>
  useQuery({ queryKey: keys.cluster(cluster), queryFn: ({ signal }) => api.getCluster(cluster, signal), refetchInterval: 5_000, ...o });

export const useDirectors = (cluster: string, o: Opt<Awaited<ReturnType<typeof api.listDirectors>>> = {}) =>
  useQuery({ queryKey: keys.directors(cluster), queryFn: ({ signal }) => api.listDirectors(cluster, signal), refetchInterval: 3_000, ...o });

export const useDirector = (cluster: string, director: string, o: Opt<Awaited<ReturnType<typeof api.getDirector>>> = {}) =>
  useQuery({ queryKey: keys.director(cluster, director), queryFn: ({ signal }) => api.getDirector(cluster, director, signal), refetchInterval: 3_000, ...o });

export const useDirectorPlan = (cluster: string, director: string, o: Opt<Awaited<ReturnType<typeof api.directorPlan>>> = {}) =>
  useQuery({ queryKey: keys.directorPlan(cluster, director), queryFn: () => api.directorPlan(cluster, director), ...o });

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

export const useUsers = () => useQuery({ queryKey: keys.users, queryFn: () => api.listUsers() });
export const useTokens = () => useQuery({ queryKey: keys.tokens, queryFn: () => api.listTokens() });

/**
 * Every service's (and with `servers` every real server's) newest numbers, once a second while the
 * page is visible (react-query pauses the interval in background tabs). The previous answer stays
 * on screen while the key changes (a first row expanded), so numbers do not blink to "–".
 */
export const useCurrentStats = (cluster: string, servers: boolean, o: Opt<Awaited<ReturnType<typeof api.currentStats>>> = {}) =>
  useQuery({
    queryKey: keys.currentStats(cluster, servers),
    queryFn: ({ signal }) => api.currentStats(cluster, { servers: servers ? '1' : '0' }, signal),
    refetchInterval: 1000,
    placeholderData: keepPreviousData,
    retry: false,
    ...o,
  });
