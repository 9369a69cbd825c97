// Drive the route handlers in-process with real Request objects: the same code `next start`
// runs, without a build. The route module is found from the endpoint table (path -> app/ file).
import path from 'node:path';
import { endpoints, type EndpointId } from '@/lib/api/endpoints';
import { urlFor } from '@/lib/api/client';
import { PEER_HEADER, PEER_MARK } from '@/lib/server/client-address';

// this in-process caller plays the console's HTTP server: it sets the peer address itself
process.env[PEER_MARK] = '1';

export const root = path.resolve(import.meta.dirname, '../..');
export const BASE = 'http://console.test';

export function routeFile(apiPath: string): string {
  return path.join(
    root,
    'app',
    ...apiPath
      .replace(/^\//, '')
      .split('/')
      .map((s) => s.replace(/^\{(\w+)\}$/, '[$1]')),
    'route.ts',
  );
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export async function loadHandler(id: EndpointId): Promise<Handler> {
  const def = endpoints[id];
  const mod = (await import(routeFile(def.path))) as Record<string, Handler>;
  const h = mod[def.method];
  if (!h) throw new Error(`${routeFile(def.path)} exports no ${def.method}`);
  return h;
}

export interface Caller {
  token?: string;
  cookie?: string;
  origin?: string | null;
  headers?: Record<string, string>;
  ip?: string;
}

// Tests read answers loosely (any field of any endpoint); the routes' schemas are tested elsewhere.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Result<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call<T = any>(
  id: EndpointId,
  opts: { params?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown; rawBody?: string; as?: Caller; signal?: AbortSignal } = {},
): Promise<Result<T>> {
  const def = endpoints[id];
  const params = Object.fromEntries(Object.entries(opts.params ?? {}).map(([k, v]) => [k, String(v)]));
  const url = urlFor(def, params, opts.query ?? {}, BASE);
  const headers: Record<string, string> = { host: 'console.test', [PEER_HEADER]: opts.as?.ip ?? '192.0.2.200', ...opts.as?.headers };
  if (opts.as?.token) headers.authorization = `Bearer ${opts.as.token}`;
  if (opts.as?.cookie) headers.cookie = opts.as.cookie;
  if (opts.as?.cookie && opts.as.origin !== null && def.method !== 'GET') headers.origin = opts.as.origin ?? BASE;
  const hasBody = opts.body !== undefined || opts.rawBody !== undefined;
  if (hasBody) headers['content-type'] = 'application/json';
  const req = new Request(url, { method: def.method, headers, body: hasBody ? (opts.rawBody ?? JSON.stringify(opts.body)) : undefined, signal: opts.signal });
  const res = await (await loadHandler(id))(req, { params: Promise.resolve(params) });
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) return { status: res.status, body: res as unknown as T, text: '', headers: res.headers };
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, body: body as T, text, headers: res.headers };
}

/** Sign in through the real route; returns the caller with its session cookie. */
export async function signIn(username: string, password: string, ip = '192.0.2.201'): Promise<Caller> {
  const r = await call('login', { body: { username, password }, as: { ip } });
  if (r.status !== 200) throw new Error(`sign-in as ${username} failed: ${r.status} ${r.text}`);
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, ip };
}
