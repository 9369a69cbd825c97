'use client';
// Every write the dashboard makes, as a react-query mutation that says which queries it moves.
// Keys come only from the table in ./keys.ts. Components call `mutateAsync` and keep their own
// toasts and field errors. A hook is declared by its API call and the queries that call moves.
import { useMutation, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { api } from '@/lib/api/client';
import { keys } from './keys';

type Api = typeof api;
/** The `i`th argument of an API call: a mutation's body. */
type Arg<K extends keyof Api, I extends number> = Parameters<Api[K]>[I];

const refresh = (qc: QueryClient, ks: readonly QueryKey[]) => Promise.all(ks.map((queryKey) => qc.invalidateQueries({ queryKey })));

/** A new revision moves everything of its cluster (config, directors, history) and the list's summary. */
const revisionMade = (cluster: string): QueryKey[] => [keys.clusterScope(cluster), keys.clusters, keys.auditAll];
/** Alert settings and targets are audited. */
const alertsMoved = (cluster: string): QueryKey[] => [keys.alerts(cluster), keys.auditAll];

/** A mutation hook of a console-wide write; `moves` names the queries it makes stale. */
function mutationHook<V, R>(call: (vars: V) => Promise<R>, moves: (vars: V, result: R) => readonly QueryKey[]) {
  return function useConsoleMutation() {
    const qc = useQueryClient();
    return useMutation({ mutationFn: (vars: V) => call(vars), onSuccess: (result, vars) => refresh(qc, moves(vars, result)) });
  };
}

/** A mutation hook of a write to one cluster: the hook takes the cluster. */
function clusterMutationHook<V, R>(call: (cluster: string, vars: V) => Promise<R>, moves: (cluster: string, vars: V, result: R) => readonly QueryKey[]) {
  return function useClusterMutation(cluster: string) {
    const qc = useQueryClient();
    return useMutation({ mutationFn: (vars: V) => call(cluster, vars), onSuccess: (result, vars) => refresh(qc, moves(cluster, vars, result)) });
  };
}

// ---- session ----

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Arg<'login', 0>) => api.login(body), onSuccess: (me) => qc.setQueryData(keys.me, me) });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => api.logout(), onSuccess: () => qc.clear() });
}

// ---- users and tokens ----

export const useCreateUser = mutationHook((body: Arg<'createUser', 0>) => api.createUser(body), () => [keys.users]);
export const useUpdateUser = mutationHook(({ id, body }: { id: string; body: Arg<'updateUser', 1> }) => api.updateUser(id, body), () => [keys.users]);
export const useDeleteUser = mutationHook((id: string) => api.deleteUser(id), () => [keys.users]);
export const useCreateToken = mutationHook((body: Arg<'createToken', 0>) => api.createToken(body), () => [keys.tokens]);
export const useRevokeToken = mutationHook((id: string) => api.revokeToken(id), () => [keys.tokens]);

// ---- clusters and revisions ----

export const useCreateCluster = mutationHook((body: Arg<'createCluster', 0>) => api.createCluster(body), () => [keys.clusters]);
export const useUpdateCluster = clusterMutationHook((cluster, body: Arg<'updateCluster', 1>) => api.updateCluster(cluster, body), (cluster) => [keys.cluster(cluster), keys.clusters]);
export const useCommitChanges = clusterMutationHook((cluster, body: Arg<'commitChanges', 1>) => api.commitChanges(cluster, body), revisionMade);
export const useRollback = clusterMutationHook((cluster, body: Arg<'rollback', 1>) => api.rollback(cluster, body), revisionMade);

/** Pause, resume, abort or roll back a staged rollout (a rollback is a new revision: it moves the whole cluster). */
export const useRolloutAction = clusterMutationHook(
  (cluster, { revision, body }: { revision: number; body: Arg<'rolloutAction', 2> }) => api.rolloutAction(cluster, revision, body),
  revisionMade,
);

export const useSetRolloutPolicy = clusterMutationHook((cluster, body: Arg<'setRolloutPolicy', 1>) => api.setRolloutPolicy(cluster, body), (cluster) => [keys.rolloutPolicy(cluster), keys.auditAll]);

/** An import; a dry run only plans, so it moves nothing. */
export const useImportConfig = clusterMutationHook(
  (cluster, body: Arg<'importConfig', 1>) => api.importConfig(cluster, body),
  (cluster, _body, r) => (r.revision ? revisionMade(cluster) : []),
);

// ---- directors ----

export const useRegisterDirector = clusterMutationHook((cluster, body: Arg<'registerDirector', 1>) => api.registerDirector(cluster, body), (cluster) => [keys.directors(cluster), keys.cluster(cluster)]);

export const useRevokeDirector = clusterMutationHook(
  (cluster, director: string) => api.revokeDirector(cluster, director),
  (cluster, director) => [keys.directors(cluster), keys.director(cluster, director), keys.cluster(cluster)],
);

export const useRotateDirectorToken = clusterMutationHook((cluster, director: string) => api.rotateDirectorToken(cluster, director), (cluster, director) => [keys.director(cluster, director)]);

/** Push the desired revision to a director again; its status moves as it reports. */
export const useReapplyDirector = clusterMutationHook((cluster, director: string) => api.reapplyDirector(cluster, director), (cluster, director) => [keys.director(cluster, director), keys.directors(cluster)]);

/** The demo's failover: the VIPs move to the other simulated director (ownership and timeline follow within seconds). */
export const useDemoFailover = clusterMutationHook((cluster, _none: void) => api.demoFailover(cluster), (cluster) => [keys.ha(cluster), keys.auditAll]);

export const useAdoptActual = clusterMutationHook(
  (cluster, { director, body }: { director: string; body: Arg<'adoptActual', 2> }) => api.adoptActual(cluster, director, body),
  revisionMade,
);

// ---- alerts ----

export const useUpdateAlertSettings = clusterMutationHook((cluster, body: Arg<'updateAlertSettings', 1>) => api.updateAlertSettings(cluster, body), alertsMoved);
export const useCreateAlertTarget = clusterMutationHook((cluster, body: Arg<'createAlertTarget', 1>) => api.createAlertTarget(cluster, body), alertsMoved);
export const useUpdateAlertTarget = clusterMutationHook(
  (cluster, { target, body }: { target: string; body: Arg<'updateAlertTarget', 2> }) => api.updateAlertTarget(cluster, target, body),
  alertsMoved,
);
export const useDeleteAlertTarget = clusterMutationHook((cluster, target: string) => api.deleteAlertTarget(cluster, target), alertsMoved);
export const useTestAlertTarget = clusterMutationHook((cluster, target: string) => api.testAlertTarget(cluster, target), (cluster) => [keys.alertDeliveries(cluster), keys.auditAll]);
