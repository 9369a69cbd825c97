// Typed fetch helpers for the browser (and for scripts and tests): one function per endpoint of
// lib/api/endpoints.ts. Errors are thrown as ApiError with the API's { error, issues } body, so a
// form can show each issue at its field (issue.path is dotted: "changes.0.service.port").
//
//   import { api, ApiError } from '@/lib/api/client';
//   const { clusters } = await api.listClusters();
//   await api.commitChanges('demo', { baseRevision: 3, message: 'more weight', changes: [...] });
//
// In the browser the default client uses relative URLs and the session cookie. Elsewhere:
// createClient({ baseUrl: 'http://127.0.0.1:3000', token: 'lvs_…' }).
import type { z } from 'zod';
import { endpoints, type EndpointDef, type EndpointId, type Endpoints, type PathParams } from './endpoints';
import type * as S from './schemas';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: S.ErrorBody,
  ) {
    super(body.error);
    this.name = 'ApiError';
  }
  get issues(): S.Issue[] {
    return this.body.issues;
  }
  /** The issues whose path is `prefix` or lies under it, with the prefix removed ("" = the field itself). */
  issuesAt(prefix: string): S.Issue[] {
    return this.body.issues.filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`) || prefix === '').map((i) => ({ ...i, path: prefix === '' ? i.path : i.path.slice(prefix.length + 1) }));
  }
}

type ParamInput<E extends EndpointDef> = [PathParams<E['path']>] extends [never] ? object : { params: Record<PathParams<E['path']>, string | number> };
type QueryInput<E extends EndpointDef> = E extends { query: z.ZodType } ? { query?: z.input<E['query']> } : object;
type BodyInput<E extends EndpointDef> = E extends { body: z.ZodType } ? { body: z.input<E['body']> } : object;
export type CallInput<E extends EndpointDef> = ParamInput<E> & QueryInput<E> & BodyInput<E> & { signal?: AbortSignal };
export type CallOutput<E extends EndpointDef> = E extends { response: z.ZodType } ? z.output<E['response']> : string;

export interface ClientOptions {
  /** '' (default): relative URLs, for the browser */
  baseUrl?: string;
  /** an API token (automation); the browser uses its session cookie instead */
  token?: string;
  /** an Origin header for non-browser callers that use a session cookie */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The URL of an endpoint with its path parameters and query filled in. */
export function urlFor(def: EndpointDef, params: Record<string, string | number> = {}, query: Record<string, unknown> = {}, baseUrl = ''): string {
  const path = def.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined || v === '') throw new Error(`${def.path}: missing path parameter ${name}`);
    return encodeURIComponent(String(v));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const q = qs.toString();
  return `${baseUrl}${path}${q ? `?${q}` : ''}`;
}

export function createClient(opts: ClientOptions = {}) {
  const baseUrl = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));

  async function call<K extends EndpointId>(id: K, input: CallInput<Endpoints[K]>): Promise<CallOutput<Endpoints[K]>> {
    const def: EndpointDef = endpoints[id];
    const inp = input as { params?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal };
    const headers: Record<string, string> = { accept: def.produces === 'text' ? 'text/plain' : 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (inp.body !== undefined) headers['content-type'] = 'application/json';
    const res = await doFetch(urlFor(def, inp.params, inp.query, baseUrl), {
      method: def.method,
      headers,
      body: inp.body === undefined ? undefined : JSON.stringify(inp.body),
      credentials: 'same-origin',
      signal: inp.signal,
    });
    const text = await res.text();
    if (!res.ok) {
      let body: S.ErrorBody;
      try {
        body = JSON.parse(text) as S.ErrorBody;
        if (typeof body.error !== 'string' || !Array.isArray(body.issues)) throw new Error('not an error body');
      } catch {
        body = { error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, issues: [] };
      }
      throw new ApiError(res.status, body);
    }
    return (def.produces === 'text' ? text : text ? JSON.parse(text) : undefined) as CallOutput<Endpoints[K]>;
  }

  type P = string | number;
  type Q<K extends EndpointId> = Endpoints[K] extends { query: z.ZodType } ? z.input<Endpoints[K]['query']> : never;
  type B<K extends EndpointId> = Endpoints[K] extends { body: z.ZodType } ? z.input<Endpoints[K]['body']> : never;
  const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

  return {
    call,
    url: <K extends EndpointId>(id: K, params: Record<string, P> = {}, query: Record<string, unknown> = {}) => urlFor(endpoints[id], params, query, baseUrl),

    health: () => call('health', {}),
    login: (body: B<'login'>) => call('login', { body }),
    logout: () => call('logout', {}),
    me: (signal?: AbortSignal) => call('me', sig(signal)),
    changePassword: (body: B<'changePassword'>) => call('changePassword', { body }),

    listUsers: () => call('listUsers', {}),
    createUser: (body: B<'createUser'>) => call('createUser', { body }),
    updateUser: (user: string, body: B<'updateUser'>) => call('updateUser', { params: { user }, body }),
    deleteUser: (user: string) => call('deleteUser', { params: { user } }),

    listTokens: () => call('listTokens', {}),
    createToken: (body: B<'createToken'>) => call('createToken', { body }),
    revokeToken: (token: string) => call('revokeToken', { params: { token } }),

    listClusters: (signal?: AbortSignal) => call('listClusters', sig(signal)),
    createCluster: (body: B<'createCluster'>) => call('createCluster', { body }),
    getCluster: (cluster: string, signal?: AbortSignal) => call('getCluster', { params: { cluster }, ...sig(signal) }),
    /** The cluster with only its config's first `first` services (a page's first rows). */
    getClusterHead: (cluster: string, first: number, signal?: AbortSignal) => call('getCluster', { params: { cluster }, query: { first }, ...sig(signal) }),
    updateCluster: (cluster: string, body: B<'updateCluster'>) => call('updateCluster', { params: { cluster }, body }),
    deleteCluster: (cluster: string) => call('deleteCluster', { params: { cluster } }),

    listRevisions: (cluster: string, query?: Q<'listRevisions'>) => call('listRevisions', { params: { cluster }, query }),
    getRevision: (cluster: string, revision: number) => call('getRevision', { params: { cluster, revision } }),
    previewChanges: (cluster: string, body: B<'previewChanges'>) => call('previewChanges', { params: { cluster }, body }),
    commitChanges: (cluster: string, body: B<'commitChanges'>) => call('commitChanges', { params: { cluster }, body }),
    rollback: (cluster: string, body: B<'rollback'>) => call('rollback', { params: { cluster }, body }),
    getRolloutPolicy: (cluster: string) => call('getRolloutPolicy', { params: { cluster } }),
    setRolloutPolicy: (cluster: string, body: B<'setRolloutPolicy'>) => call('setRolloutPolicy', { params: { cluster }, body }),
    listRollouts: (cluster: string, signal?: AbortSignal) => call('listRollouts', { params: { cluster }, ...sig(signal) }),
    getRollout: (cluster: string, revision: number) => call('getRollout', { params: { cluster, revision } }),
    rolloutAction: (cluster: string, revision: number, body: B<'rolloutAction'>) => call('rolloutAction', { params: { cluster, revision }, body }),
    diffRevisions: (cluster: string, from: number, to: number) => call('diffRevisions', { params: { cluster }, query: { from, to } }),
    importConfig: (cluster: string, body: B<'importConfig'>) => call('importConfig', { params: { cluster }, body }),
    exportConfig: (cluster: string, query?: Q<'exportConfig'>) => call('exportConfig', { params: { cluster }, query }),
    exportUrl: (cluster: string, query: Q<'exportConfig'> = {}) => urlFor(endpoints.exportConfig, { cluster }, { ...query, download: '1' }, baseUrl),

    listDirectors: (cluster: string, signal?: AbortSignal) => call('listDirectors', { params: { cluster }, ...sig(signal) }),
    registerDirector: (cluster: string, body: B<'registerDirector'>) => call('registerDirector', { params: { cluster }, body }),
    getDirector: (cluster: string, director: string, signal?: AbortSignal) => call('getDirector', { params: { cluster, director }, ...sig(signal) }),
    deleteDirector: (cluster: string, director: string) => call('deleteDirector', { params: { cluster, director } }),
    revokeDirector: (cluster: string, director: string) => call('revokeDirector', { params: { cluster, director } }),
    rotateDirectorToken: (cluster: string, director: string) => call('rotateDirectorToken', { params: { cluster, director } }),
    directorPlan: (cluster: string, director: string) => call('directorPlan', { params: { cluster, director } }),
    reapplyDirector: (cluster: string, director: string) => call('reapplyDirector', { params: { cluster, director } }),
    clusterHa: (cluster: string, signal?: AbortSignal) => call('clusterHa', { params: { cluster }, ...sig(signal) }),
    listFailovers: (cluster: string, query: CallInput<Endpoints['listFailovers']>['query'] = {}, signal?: AbortSignal) => call('listFailovers', { params: { cluster }, query, ...sig(signal) }),
    demoFailover: (cluster: string) => call('demoFailover', { params: { cluster } }),
    adoptActual: (cluster: string, director: string, body: B<'adoptActual'>) => call('adoptActual', { params: { cluster, director }, body }),
    listConnections: (cluster: string, director: string, query?: Q<'listConnections'>, signal?: AbortSignal) => call('listConnections', { params: { cluster, director }, query, ...sig(signal) }),

    liveStats: (cluster: string, query?: Q<'liveStats'>, signal?: AbortSignal) => call('liveStats', { params: { cluster }, query, ...sig(signal) }),
    historyStats: (cluster: string, query?: Q<'historyStats'>, signal?: AbortSignal) => call('historyStats', { params: { cluster }, query, ...sig(signal) }),
    /** Every service's (and with servers=1 every real server's) newest numbers; values in STATS_FIELDS order. */
    currentStats: (cluster: string, query?: Q<'currentStats'>, signal?: AbortSignal) => call('currentStats', { params: { cluster }, query, ...sig(signal) }),
    /**
     * For `new EventSource(url)`: `backfill` (StatsResponse) then `sample` (StatsSampleEvent) each second;
     * `director-status` (DirectorStatusEvent) on open and on every change; with table=services|all,
     * `table` (StatsTableEvent) then `table-delta` (StatsTableDeltaEvent, changed rows only).
     */
    statsStreamUrl: (cluster: string, query: Q<'statsStream'> = {}) => urlFor(endpoints.statsStream, { cluster }, query as Record<string, unknown>, baseUrl),

    healthHistory: (cluster: string, query?: Q<'healthHistory'>, signal?: AbortSignal) => call('healthHistory', { params: { cluster }, query, ...sig(signal) }),
    healthAvailability: (cluster: string, query?: Q<'healthAvailability'>, signal?: AbortSignal) => call('healthAvailability', { params: { cluster }, query, ...sig(signal) }),
    serviceTimeline: (cluster: string, query: Q<'serviceTimeline'>, signal?: AbortSignal) => call('serviceTimeline', { params: { cluster }, query, ...sig(signal) }),
    getAlertSettings: (cluster: string) => call('getAlertSettings', { params: { cluster } }),
    updateAlertSettings: (cluster: string, body: B<'updateAlertSettings'>) => call('updateAlertSettings', { params: { cluster }, body }),
    listAlertTargets: (cluster: string) => call('listAlertTargets', { params: { cluster } }),
    createAlertTarget: (cluster: string, body: B<'createAlertTarget'>) => call('createAlertTarget', { params: { cluster }, body }),
    updateAlertTarget: (cluster: string, target: string, body: B<'updateAlertTarget'>) => call('updateAlertTarget', { params: { cluster, target }, body }),
    deleteAlertTarget: (cluster: string, target: string) => call('deleteAlertTarget', { params: { cluster, target } }),
    testAlertTarget: (cluster: string, target: string) => call('testAlertTarget', { params: { cluster, target } }),
    listAlertDeliveries: (cluster: string, query?: Q<'listAlertDeliveries'>) => call('listAlertDeliveries', { params: { cluster }, query }),

    listAudit: (query?: Q<'listAudit'>, signal?: AbortSignal) => call('listAudit', { query, ...sig(signal) }),
  };
}

export type ApiClient = ReturnType<typeof createClient>;

/** The browser's client: relative URLs, session cookie. */
export const api: ApiClient = createClient();
