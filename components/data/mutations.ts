'use client';
// Every write the dashboard makes, as a react-query mutation that says which queries it moves.
// Keys come only from the table in ./queries.ts. Components call `mutateAsync` and keep their own
// toasts and field errors.
import { useMutation, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { api } from '@/lib/api/client';
import { keys } from './keys';

type Api = typeof api;
const refresh = (qc: QueryClient, ...ks: QueryKey[]) => Promise.all(ks.map((queryKey) => qc.invalidateQueries({ queryKey })));

/** A new revision moves everything of its cluster (config, directors, history) and the list's summary. */
const revisionMade = (qc: QueryClient, cluster: string) => refresh(qc, keys.clusterScope(cluster), keys.clusters, keys.auditAll);

// ---- session ----

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['login']>[0]) => api.login(body), onSuccess: (me) => qc.setQueryData(keys.me, me) });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => api.logout(), onSuccess: () => qc.clear() });
}

// ---- users and tokens ----

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['createUser']>[0]) => api.createUser(body), onSuccess: () => refresh(qc, keys.users) });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Parameters<Api['updateUser']>[1] }) => api.updateUser(id, body),
    onSuccess: () => refresh(qc, keys.users),
  });
}

export function useDeleteUser() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api.deleteUser(id), onSuccess: () => refresh(qc, keys.users) });
}

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['createToken']>[0]) => api.createToken(body), onSuccess: () => refresh(qc, keys.tokens) });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api.revokeToken(id), onSuccess: () => refresh(qc, keys.tokens) });
}

// ---- clusters and revisions ----

export function useCreateCluster() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['createCluster']>[0]) => api.createCluster(body), onSuccess: () => refresh(qc, keys.clusters) });
}

export function useUpdateCluster(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Parameters<Api['updateCluster']>[1]) => api.updateCluster(cluster, body),
    onSuccess: () => refresh(qc, keys.cluster(cluster), keys.clusters),
  });
}

export function useCommitChanges(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['commitChanges']>[1]) => api.commitChanges(cluster, body), onSuccess: () => revisionMade(qc, cluster) });
}

export function useRollback(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['rollback']>[1]) => api.rollback(cluster, body), onSuccess: () => revisionMade(qc, cluster) });
}

/** Pause, resume, abort or roll back a staged rollout (a rollback is a new revision: it moves the whole cluster). */
export function useRolloutAction(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ revision, body }: { revision: number; body: Parameters<Api['rolloutAction']>[2] }) => api.rolloutAction(cluster, revision, body),
    onSuccess: () => revisionMade(qc, cluster),
  });
}

export function useSetRolloutPolicy(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['setRolloutPolicy']>[1]) => api.setRolloutPolicy(cluster, body), onSuccess: () => refresh(qc, keys.rolloutPolicy(cluster), keys.auditAll) });
}

/** An import; a dry run only plans, so it moves nothing. */
export function useImportConfig(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Parameters<Api['importConfig']>[1]) => api.importConfig(cluster, body),
    onSuccess: (r) => (r.revision ? revisionMade(qc, cluster) : undefined),
  });
}

// ---- directors ----

export function useRegisterDirector(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Parameters<Api['registerDirector']>[1]) => api.registerDirector(cluster, body),
    onSuccess: () => refresh(qc, keys.directors(cluster), keys.cluster(cluster)),
  });
}

export function useRevokeDirector(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (director: string) => api.revokeDirector(cluster, director),
    onSuccess: (_r, director) => refresh(qc, keys.directors(cluster), keys.director(cluster, director), keys.cluster(cluster)),
  });
}

export function useRotateDirectorToken(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (director: string) => api.rotateDirectorToken(cluster, director), onSuccess: (_r, director) => refresh(qc, keys.director(cluster, director)) });
}

/** Push the desired revision to a director again; its status moves as it reports. */
export function useReapplyDirector(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (director: string) => api.reapplyDirector(cluster, director), onSuccess: (_r, director) => refresh(qc, keys.director(cluster, director), keys.directors(cluster)) });
}

/** The demo's failover: the VIPs move to the other simulated director (ownership and timeline follow within seconds). */
export function useDemoFailover(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => api.demoFailover(cluster), onSuccess: () => refresh(qc, keys.ha(cluster), keys.auditAll) });
}

export function useAdoptActual(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ director, body }: { director: string; body: Parameters<Api['adoptActual']>[2] }) => api.adoptActual(cluster, director, body),
    onSuccess: () => revisionMade(qc, cluster),
  });
}

export function useUpdateAlertSettings(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['updateAlertSettings']>[1]) => api.updateAlertSettings(cluster, body), onSuccess: () => refresh(qc, keys.alerts(cluster), keys.auditAll) });
}

export function useCreateAlertTarget(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: Parameters<Api['createAlertTarget']>[1]) => api.createAlertTarget(cluster, body), onSuccess: () => refresh(qc, keys.alerts(cluster), keys.auditAll) });
}

export function useUpdateAlertTarget(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ target, body }: { target: string; body: Parameters<Api['updateAlertTarget']>[2] }) => api.updateAlertTarget(cluster, target, body),
    onSuccess: () => refresh(qc, keys.alerts(cluster), keys.auditAll),
  });
}

export function useDeleteAlertTarget(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (target: string) => api.deleteAlertTarget(cluster, target), onSuccess: () => refresh(qc, keys.alerts(cluster), keys.auditAll) });
}

export function useTestAlertTarget(cluster: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (target: string) => api.testAlertTarget(cluster, target), onSuccess: () => refresh(qc, keys.alertDeliveries(cluster), keys.auditAll) });
}
