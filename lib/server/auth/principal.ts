// Who is calling: a signed-in user (session cookie), an API token (Authorization: Bearer lvs_…)
// or a director's agent (Authorization: Bearer lvsd_…). Only hashes are stored; lookups go by hash.
import { ROLE_RANK, type Role } from '@/lib/api/schemas';
import { bus } from '../bus';
import { db } from '../db';
import { unauthorized } from '../errors';
import { tokenHash, tokenKind } from './secrets';

export const SESSION_COOKIE = 'lvs_session';
/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 12 * 3600_000;
/** …and at the latest this long after sign-in. */
export const SESSION_MAX_MS = 7 * 24 * 3600_000;

export type UserPrincipal = {
  kind: 'user';
  via: 'session' | 'token';
  userId: string;
  username: string;
  /** the effective role: a token never carries more than its owner has now */
  role: Role;
  userRole: Role;
  sessionId?: string;
  tokenId?: string;
  tokenName?: string;
  /** when the token in use expires (null: never): a token it mints cannot outlive it */
  tokenExpiresAt?: Date | null;
  /** how the audit log names this caller */
  actor: string;
};

export type DirectorPrincipal = {
  kind: 'director';
  directorId: string;
  directorName: string;
  clusterId: string;
  actor: string;
};

export function minRole(a: Role, b: Role): Role {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}

/** Cookies by name; a value that is not valid percent-encoding (another app's "theme=100%") is skipped, not fatal. */
export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (out.has(k)) continue;
    try {
      out.set(k, decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      /* not ours to understand */
    }
  }
  return out;
}

function bearer(req: Request): string | null {
  const h = req.headers.get('authorization');
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthorized('Authorization must be "Bearer <token>"');
  return m[1]!;
}

// Write lastSeenAt/lastUsedAt at most once a minute per session/token: reads stay reads.
const touched = new Map<string, number>();
function shouldTouch(key: string, now: number): boolean {
  const last = touched.get(key) ?? 0;
  if (now - last < 60_000) return false;
  touched.set(key, now);
  if (touched.size > 50_000) touched.clear();
  return true;
}

/** The user behind a request, or null when it carries no credentials. Bad credentials: 401. */
export async function authenticateUser(req: Request): Promise<UserPrincipal | null> {
  const prisma = await db();
  const now = Date.now();
  const secret = bearer(req);
  if (secret) {
    const kind = tokenKind(secret);
    if (kind === 'director') throw unauthorized('a director token only works on /api/v1/agent/* (use an API token or sign in)');
    if (kind !== 'api') throw unauthorized('unknown token format (API tokens start with lvs_)');
    const t = await prisma.apiToken.findUnique({ where: { tokenHash: tokenHash(secret) }, include: { user: true } });
    if (!t || t.revoked) throw unauthorized('invalid or revoked API token');
    if (t.expiresAt && t.expiresAt.getTime() <= now) throw unauthorized(`API token "${t.name}" expired at ${t.expiresAt.toISOString()}`);
    if (t.user.disabled) throw unauthorized(`the owner of API token "${t.name}" is disabled`);
    if (shouldTouch(`t:${t.id}`, now)) await prisma.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
    const userRole = t.user.role as Role;
    return {
      kind: 'user',
      via: 'token',
      userId: t.userId,
      username: t.user.username,
      role: minRole(t.role as Role, userRole),
      userRole,
      tokenId: t.id,
      tokenName: t.name,
      tokenExpiresAt: t.expiresAt,
      actor: `${t.user.username} (token ${t.name})`,
    };
  }
  const cookie = parseCookies(req.headers.get('cookie')).get(SESSION_COOKIE);
  if (!cookie) return null;
  const s = await prisma.session.findUnique({ where: { id: tokenHash(cookie) }, include: { user: true } });
  if (!s || s.expiresAt.getTime() <= now || now - s.lastSeenAt.getTime() > SESSION_IDLE_MS || s.user.disabled) {
    throw unauthorized('your session has ended: sign in again');
  }
  if (shouldTouch(`s:${s.id}`, now)) await prisma.session.update({ where: { id: s.id }, data: { lastSeenAt: new Date(now) } }).catch(() => undefined);
  const role = s.user.role as Role;
  return { kind: 'user', via: 'session', userId: s.userId, username: s.user.username, role, userRole: role, sessionId: s.id, actor: s.user.username };
}

// Agents post stats every second: cache token -> director for a few seconds. Revocation and
// rotation clear the cache in every process (see forgetDirectorTokens).
const directorCache = new Map<string, { p: DirectorPrincipal; until: number }>();

export async function authenticateDirector(req: Request): Promise<DirectorPrincipal> {
  const secret = bearer(req);
  if (!secret) throw unauthorized('agents authenticate with Authorization: Bearer <director token>');
  if (tokenKind(secret) !== 'director') throw unauthorized('this endpoint takes a director token (lvsd_…), not a user or API token');
  const hash = tokenHash(secret);
  const now = Date.now();
  const hit = directorCache.get(hash);
  if (hit && hit.until > now) return hit.p;
  const prisma = await db();
  const d = await prisma.director.findUnique({ where: { tokenHash: hash }, select: { id: true, name: true, clusterId: true, revoked: true } });
  if (!d) throw unauthorized('unknown director token (was it rotated or the director removed?)');
  if (d.revoked) throw unauthorized(`director ${d.name} has been revoked`);
  const p: DirectorPrincipal = { kind: 'director', directorId: d.id, directorName: d.name, clusterId: d.clusterId, actor: `agent:${d.name}` };
  directorCache.set(hash, { p, until: now + 5_000 });
  return p;
}

export function forgetDirectorTokens(directorId?: string): void {
  for (const [k, v] of directorCache) if (!directorId || v.p.directorId === directorId) directorCache.delete(k);
}

// revoked, rotated or removed in any process: forget the token here too
const g = globalThis as typeof globalThis & { __lvsTokenBus?: boolean };
if (!g.__lvsTokenBus) {
  g.__lvsTokenBus = true;
  bus.on('director-gone', (m) => forgetDirectorTokens(m.directorId));
}
