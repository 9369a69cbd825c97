// The one wrapper every route handler goes through: authenticate -> check the role -> check the
// Origin of cookie-authenticated writes -> parse query and body with the endpoint's schemas ->
// call the service -> answer JSON. Every failure becomes { error, issues } with its status;
// unexpected errors are logged here and answered as a bare 500, never with a stack trace.
import crypto from 'node:crypto';
import { z } from 'zod';
import { ROLE_RANK, type ErrorBody } from '../api/schemas';
import { endpoints, pathParamNames, type EndpointDef, type EndpointId, type Endpoints } from '../api/endpoints';
import { authenticateDirector, authenticateUser, type DirectorPrincipal, type UserPrincipal } from './auth/principal';
import { describeDbFailure } from './db';
import { HttpError, forbidden, unauthorized, zodIssues } from './errors';
import { metrics } from './metrics';
import { DatabaseUrlError } from './db-url';
import { clientAddress, requestOrigin } from './client-address';
import { illFormedTextPath } from '../ipvs/text';

type Access<E extends EndpointDef> = E['access'];
type PrincipalFor<E extends EndpointDef> = Access<E> extends 'director' ? DirectorPrincipal : Access<E> extends 'public' ? UserPrincipal | null : UserPrincipal;

export interface RouteContext<E extends EndpointDef> {
  req: Request;
  params: Record<string, string>;
  query: E extends { query: z.ZodType } ? z.output<E['query']> : Record<string, never>;
  body: E extends { body: z.ZodType } ? z.output<E['body']> : undefined;
  principal: PrincipalFor<E>;
  clientIp: string | null;
}

type NextContext = { params?: Promise<Record<string, string | string[]>> | Record<string, string | string[]> };
export type RouteHandler = ((req: Request, ctx?: NextContext) => Promise<Response>) & { endpoint: EndpointId };

export function route<K extends EndpointId>(id: K, fn: (ctx: RouteContext<Endpoints[K]>) => Promise<Response | unknown>): RouteHandler {
  const def: EndpointDef = endpoints[id];
  const handler = async (req: Request, nctx?: NextContext): Promise<Response> => {
    const started = performance.now();
    let status = 500;
    try {
      const res = await run(def, req, nctx, fn as (ctx: RouteContext<EndpointDef>) => Promise<unknown>);
      status = res.status;
      return res;
    } catch (err) {
      const res = errorResponse(err, `${def.method} ${def.path}`);
      status = res.status;
      return res;
    } finally {
      metrics.httpRequest(id, def.method, status, (performance.now() - started) / 1000);
    }
  };
  return Object.assign(handler, { endpoint: id });
}

async function run(def: EndpointDef, req: Request, nctx: NextContext | undefined, fn: (ctx: RouteContext<EndpointDef>) => Promise<unknown>): Promise<Response> {
  if (req.method !== def.method) throw new HttpError(405, `${def.path} takes ${def.method}, not ${req.method}`);
  const principal = await authorize(def, req);
  const params = await readParams(def, nctx);
  const url = new URL(req.url);
  refuseIllFormedText(params, 'params');
  let query: unknown = {};
  if (def.query) {
    const raw = Object.fromEntries(url.searchParams.entries());
    refuseIllFormedText(raw, 'query');
    const r = def.query.safeParse(raw);
    if (!r.success) throw new HttpError(400, 'invalid query parameters', zodIssues(r.error));
    query = r.data;
  }
  let body: unknown;
  if (def.body) {
    const raw = await readJson(req, def.access === 'public' ? MAX_PUBLIC_BODY_BYTES : MAX_BODY_BYTES);
    refuseIllFormedText(raw, 'body');
    const r = def.body.safeParse(raw);
    if (!r.success) throw new HttpError(400, 'invalid request body', zodIssues(r.error));
    body = r.data;
  }
  const result = await fn({ req, params, query, body, principal, clientIp: clientAddress(req) } as RouteContext<EndpointDef>);
  if (result instanceof Response) return result;
  return json(result ?? { ok: true }, def.status ?? 200);
}

async function authorize(def: EndpointDef, req: Request): Promise<UserPrincipal | DirectorPrincipal | null> {
  if (def.access === 'director') return authenticateDirector(req);
  const mutating = req.method !== 'GET' && req.method !== 'HEAD';
  if (def.access === 'public') {
    if (mutating) checkOrigin(req);
    return authenticateUser(req).catch(() => null);
  }
  const user = await authenticateUser(req);
  if (!user) throw unauthorized();
  if (mutating && user.via === 'session') checkOrigin(req);
  if (ROLE_RANK[user.role] < ROLE_RANK[def.access]) {
    throw forbidden(
      user.via === 'token' && ROLE_RANK[user.userRole] >= ROLE_RANK[def.access]
        ? `this needs the ${def.access} role; API token "${user.tokenName}" carries only ${user.role}`
        : `this needs the ${def.access} role; ${user.username} is ${user.role}`,
    );
  }
  return user;
}

/**
 * CSRF defence for cookie-authenticated writes (with SameSite=Lax cookies as the first line):
 * a browser always sends Origin on a cross-site POST/PATCH/DELETE, so one that names another
 * site is refused. Non-browser clients (no Origin, no Sec-Fetch-Site) pass.
 */
export function checkOrigin(req: Request): void {
  const origin = req.headers.get('origin');
  const site = req.headers.get('sec-fetch-site');
  if (!origin) {
    if (site === 'cross-site') throw forbidden('cross-site request refused');
    return;
  }
  const allowed = new Set(allowedOrigins(req));
  if (!allowed.has(origin)) throw forbidden(`cross-site request refused: Origin ${origin} is not this console (${[...allowed][0]}); set LVS_PUBLIC_URL if it is served under another name`);
}

function allowedOrigins(req: Request): string[] {
  const out: string[] = [];
  const { host, proto } = requestOrigin(req);
  if (host) out.push(`${proto}://${host}`);
  for (const o of (process.env.LVS_PUBLIC_URL ?? '').split(',')) {
    if (!o.trim()) continue;
    try {
      out.push(new URL(o.trim()).origin);
    } catch {
      /* a bad entry allows nothing */
    }
  }
  return out;
}

/** Strings that no database or other format can hold (lone surrogates, NUL) are the caller's error, wherever they are. */
function refuseIllFormedText(value: unknown, where: string): void {
  const at = illFormedTextPath(value);
  if (at) throw new HttpError(400, `invalid ${where}`, [{ path: [where, ...at.path].join('.'), message: at.message }]);
}

async function readParams(def: EndpointDef, nctx: NextContext | undefined): Promise<Record<string, string>> {
  const names = pathParamNames(def.path);
  if (!names.length) return {};
  const raw = (await nctx?.params) ?? {};
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = raw[n];
    const s = Array.isArray(v) ? v.join('/') : v;
    if (!s) throw new HttpError(400, `missing path parameter ${n}`, [{ path: n, message: `${n} is required` }]);
    out[n] = s;
  }
  return out;
}

/** Bodies are JSON: a change set of 5,000 changes or a 20 MB import fits; more is refused. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Before anyone is known (sign-in), a body is a username and a password. */
export const MAX_PUBLIC_BODY_BYTES = 64 * 1024;

/** application/json or any +json type, with parameters; nothing else is parsed as JSON. */
export function isJsonType(type: string): boolean {
  const essence = type.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(essence);
}

/** The body as text, counted while it streams (Content-Length or chunked): past `limit` bytes it stops reading and answers 413. */
export async function readBodyText(req: Request, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `the body is larger than ${limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MB` : `${limit / 1024} KB`}`);
  if (Number(req.headers.get('content-length') ?? 0) > limit) throw tooLarge();
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

async function readJson(req: Request, limit: number): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  const text = await readBodyText(req, limit);
  if (!text.trim()) return undefined;
  if (!isJsonType(type)) throw new HttpError(415, 'send the body as application/json');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'the body is not valid JSON', [{ path: '', message: (e as Error).message }]);
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, bigintToNumber), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers },
  });
}

function bigintToNumber(_k: string, v: unknown) {
  return typeof v === 'bigint' ? Number(v) : v;
}

export function errorBody(error: string, issues: ErrorBody['issues'] = [], extra: Partial<ErrorBody> = {}): ErrorBody {
  return { error, issues, ...extra };
}

/** Any thrown value -> the API's error answer. */
export function errorResponse(err: unknown, where: string): Response {
  if (err instanceof HttpError) {
    return json(errorBody(err.message, err.issues, err.extra.current ? { current: err.extra.current } : {}), err.status, err.extra.headers);
  }
  const known = domainError(err);
  if (known) return json(errorBody(known.message, known.issues), known.status);
  if (err instanceof DatabaseUrlError) return json(errorBody(err.message), 503);
  const refused = valueRefusedByDb(err);
  if (refused) return json(errorBody(`invalid input: ${refused}`), 400);
  const dbLine = describeDbFailure(err);
  if (dbLine) {
    console.error(`[lvs-console] ${where}: ${dbLine}`);
    return json(errorBody(`database unavailable: ${dbLine}`), 503);
  }
  const ref = crypto.randomBytes(4).toString('hex');
  console.error(`[lvs-console] ${where} failed (ref ${ref}):`, err);
  return json(errorBody(`internal error (ref ${ref}; details are in the server log)`), 500);
}

/** Errors of the pure core that reach a handler: validation and parse errors are the caller's (422). */
function domainError(err: unknown): { status: number; message: string; issues: ErrorBody['issues'] } | null {
  if (err instanceof z.ZodError) return { status: 422, message: 'invalid configuration', issues: zodIssues(err) };
  if (!(err instanceof Error)) return null;
  const e = err as Error & { issues?: { path?: unknown; message?: unknown; line?: unknown }[] };
  if (['ValidationError', 'RulesParseError', 'KeepalivedParseError', 'ChangeSetError'].includes(e.name) && Array.isArray(e.issues)) {
    return {
      status: 422,
      message: e.message,
      issues: e.issues.map((i) => ({
        path: dotted(typeof i.path === 'string' && i.path ? i.path : Array.isArray(i.path) ? i.path.join('.') : typeof i.line === 'number' ? `line ${i.line}` : ''),
        message: String(i.message ?? ''),
        ...(typeof i.line === 'number' ? { line: i.line } : {}),
      })),
    };
  }
  return null;
}

/**
 * The last line behind the schemas: a value the database cannot store (an integer past its
 * column, text it cannot encode) is the caller's error. Transactions roll back, so nothing half-stored.
 */
function valueRefusedByDb(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; meta?: unknown };
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')} ${JSON.stringify(e?.meta ?? '')} ${String((e?.cause as { code?: unknown })?.code ?? '')}`;
  if (/P2020|P2033|22003|out of range|does not fit into a 64 bit/i.test(text)) return 'a number is out of range';
  if (/22021|22P05|invalid byte sequence|unsupported Unicode escape|untranslatable character/i.test(text)) return 'text the database cannot store';
  return null;
}

/** The core writes "services[2].realServers[0].weight"; the API speaks "services.2.realServers.0.weight". */
export function dotted(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** The caller as the audit log names it, with their address. */
export function who(ctx: { principal: { actor: string } | null; clientIp: string | null }): { actor: string; clientIp: string | null } {
  return { actor: ctx.principal?.actor ?? 'anonymous', clientIp: ctx.clientIp };
}

/** Did the client reach us over HTTPS (directly, or through a trusted proxy that says so)? */
export function isHttps(req: Request): boolean {
  return requestOrigin(req).proto === 'https';
}

/** The URL agents and links should use for this console: LVS_PUBLIC_URL, else what the request came to. */
export function publicUrl(req: Request): string {
  const configured = (process.env.LVS_PUBLIC_URL ?? '').split(',')[0]?.trim();
  if (configured) return configured.replace(/\/+$/, '');
  const { host, proto } = requestOrigin(req);
  return host ? `${proto}://${host}` : new URL(req.url).origin;
}

/** A path parameter that must be a positive whole number (revision numbers). */
export function intParam(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new HttpError(400, `invalid ${name}`, [{ path: name, message: `${name} must be a positive whole number` }]);
  return n;
}
