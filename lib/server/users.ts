// Users, sessions and API tokens. Password guesses (sign-in, password change) go through the
// throttle in auth/throttle.ts: per (client, username) and per client, progressive delay.
import type { z } from 'zod';
import type { ApiToken, CreateApiTokenRequestSchema, CreateUserRequestSchema, Me, Role, UpdateUserRequestSchema, User } from '../api/schemas';
import { ROLE_RANK } from '../api/schemas';
import type { ApiToken as ApiTokenRow, User as UserRow } from '../generated/sqlite/client';
import { audit } from './audit';
import { SESSION_COOKIE, SESSION_MAX_MS, type UserPrincipal } from './auth/principal';
import { dummyPasswordHash, hashPassword, newToken, tokenHash, tokenPrefix, verifyPassword } from './auth/secrets';
import { db, type DbOrTx } from './db';
import { conflict, forbidden, HttpError, notFound, tooManyRequests, unauthorized } from './errors';
import { metrics } from './metrics';
import { beginAttempt } from './auth/throttle';

export type Who = { actor: string; clientIp: string | null };

export function userView(u: UserRow): User {
  return { id: u.id, username: u.username, role: u.role as Role, disabled: u.disabled, createdAt: u.createdAt.toISOString() };
}

export function meView(p: UserPrincipal, u: UserRow): Me {
  return { user: userView(u), via: p.via, role: p.role };
}

// ---- sign-in ------------------------------------------------------------------------------

/** Check a password; on success a session (its cookie value is returned, only its hash is stored). */
export async function login(username: string, password: string, who: { clientIp: string | null; userAgent: string | null }): Promise<{ cookieValue: string; user: UserRow; expiresAt: Date }> {
  const now = Date.now();
  const throttle = await beginAttempt('login.failure', who.clientIp, username, now);
  const prisma = await db();
  if (!throttle.ok) {
    metrics.logins.inc({ result: 'rate-limited' });
    if (throttle.firstRefusal)
      await audit(prisma, { actor: username, action: 'login.blocked', target: username, clientIp: who.clientIp, details: { retryAfterSeconds: Math.ceil(throttle.retryAfterSeconds) } });
    throw tooManyRequests(`too many failed sign-ins from your address; try again in ${waitText(throttle.retryAfterSeconds)}`, throttle.retryAfterSeconds);
  }
  const { attempt } = throttle;
  let user: UserRow | null;
  let ok: boolean;
  try {
    user = await prisma.user.findUnique({ where: { username } });
    // verify against a dummy hash for unknown users, so the answer time does not reveal who exists
    ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  } catch (e) {
    attempt.failed();
    throw e;
  }
  if (!user || !ok || user.disabled) {
    attempt.failed();
    metrics.logins.inc({ result: 'failure' });
    await audit(prisma, {
      actor: username,
      action: 'login.failure',
      target: username,
      clientIp: who.clientIp,
      details: { reason: !user ? 'unknown user' : !ok ? 'wrong password' : 'user disabled', userAgent: who.userAgent },
    });
    throw unauthorized('wrong username or password');
  }
  const cookieValue = newToken('session');
  const expiresAt = new Date(now + SESSION_MAX_MS);
  await prisma.$transaction(async (tx) => {
    await tx.session.create({ data: { id: tokenHash(cookieValue), userId: user.id, expiresAt, clientIp: who.clientIp } });
    await audit(tx, { actor: user.username, action: 'login.success', target: user.username, clientIp: who.clientIp, details: { userAgent: who.userAgent } });
  });
  attempt.succeeded();
  // housekeeping: expired sessions go at sign-in time
  await prisma.session.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
  metrics.logins.inc({ result: 'success' });
  return { cookieValue, user, expiresAt };
}

function waitText(seconds: number): string {
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`;
}

export function sessionCookie(value: string, expiresAt: Date | null, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (expiresAt) parts.push(`Max-Age=${Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000))}`);
  else parts.push('Max-Age=0');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export async function logout(p: UserPrincipal, who: Who): Promise<void> {
  const prisma = await db();
  if (p.sessionId) await prisma.session.deleteMany({ where: { id: p.sessionId } });
  await audit(prisma, { actor: p.actor, action: 'logout', target: p.username, clientIp: who.clientIp });
}

export async function me(p: UserPrincipal): Promise<Me> {
  const prisma = await db();
  const u = await prisma.user.findUniqueOrThrow({ where: { id: p.userId } });
  return meView(p, u);
}

export async function changeOwnPassword(p: UserPrincipal, current: string, next: string, who: Who): Promise<void> {
  if (p.via !== 'session') throw forbidden('change your password in a signed-in session, not with an API token');
  const prisma = await db();
  const u = await prisma.user.findUniqueOrThrow({ where: { id: p.userId } });
  // a stolen session must not become a password-guessing oracle: same throttle as sign-in
  const throttle = await beginAttempt('user.password.failure', who.clientIp, u.username);
  if (!throttle.ok) throw tooManyRequests(`too many wrong current passwords; try again in ${waitText(throttle.retryAfterSeconds)}`, throttle.retryAfterSeconds);
  let right: boolean;
  try {
    right = await verifyPassword(current, u.passwordHash);
  } catch (e) {
    throttle.attempt.failed();
    throw e;
  }
  if (!right) {
    throttle.attempt.failed();
    await audit(prisma, { actor: p.actor, action: 'user.password.failure', target: u.username, clientIp: who.clientIp, details: { reason: 'wrong current password' } });
    throw new HttpError(422, 'the current password is wrong', [{ path: 'currentPassword', message: 'does not match' }]);
  }
  throttle.attempt.succeeded();
  const hash = await hashPassword(next);
  await prisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: u.id }, data: { passwordHash: hash } });
    await tx.session.deleteMany({ where: { userId: u.id, id: { not: p.sessionId! } } });
    await audit(tx, { actor: p.actor, action: 'user.password', target: u.username, clientIp: who.clientIp, details: { self: true } });
  });
}

// ---- users (admins) -----------------------------------------------------------------------

export async function listUsers(): Promise<{ users: User[] }> {
  const prisma = await db();
  return { users: (await prisma.user.findMany({ orderBy: { username: 'asc' } })).map(userView) };
}

export async function createUser(input: z.output<typeof CreateUserRequestSchema>, who: Who, dbx?: DbOrTx): Promise<User> {
  const prisma = dbx ?? (await db());
  if (await prisma.user.findUnique({ where: { username: input.username } })) throw conflict(`a user named ${input.username} already exists`, [{ path: 'username', message: 'already taken' }]);
  const passwordHash = await hashPassword(input.password);
  const u = await prisma.user.create({ data: { username: input.username, passwordHash, role: input.role } });
  await audit(prisma, { actor: who.actor, action: 'user.create', target: u.username, clientIp: who.clientIp, details: { role: u.role } });
  return userView(u);
}

async function findUser(ref: string): Promise<UserRow> {
  const prisma = await db();
  const u = (await prisma.user.findUnique({ where: { username: ref } })) ?? (await prisma.user.findUnique({ where: { id: ref } }));
  if (!u) throw notFound(`no user named ${ref}`);
  return u;
}

/** The last enabled admin can be neither demoted, disabled nor deleted: someone must manage users. */
async function keepAnAdmin(u: UserRow, what: string): Promise<void> {
  if (u.role !== 'admin' || u.disabled) return;
  const prisma = await db();
  const admins = await prisma.user.count({ where: { role: 'admin', disabled: false } });
  if (admins <= 1) throw conflict(`${u.username} is the last enabled admin and cannot be ${what}`);
}

export async function updateUser(ref: string, input: z.output<typeof UpdateUserRequestSchema>, who: Who): Promise<User> {
  const u = await findUser(ref);
  if ((input.role && input.role !== 'admin') || input.disabled) await keepAnAdmin(u, input.disabled ? 'disabled' : 'demoted');
  const prisma = await db();
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const updated = await prisma.$transaction(async (tx) => {
    const row = await tx.user.update({ where: { id: u.id }, data: { role: input.role, disabled: input.disabled, passwordHash } });
    // a disabled user, a new password or a lower role ends the user's sessions
    if (input.disabled || passwordHash || (input.role && ROLE_RANK[input.role] < ROLE_RANK[u.role as Role])) await tx.session.deleteMany({ where: { userId: u.id } });
    // a password reset is for a compromised account: its API tokens go with the old password
    if (passwordHash) await tx.apiToken.updateMany({ where: { userId: u.id, revoked: false }, data: { revoked: true } });
    await audit(tx, {
      actor: who.actor,
      action: 'user.update',
      target: u.username,
      clientIp: who.clientIp,
      details: { before: { role: u.role, disabled: u.disabled }, after: { role: row.role, disabled: row.disabled }, passwordChanged: !!passwordHash },
    });
    return row;
  });
  return userView(updated);
}

export async function deleteUser(ref: string, who: Who): Promise<void> {
  const u = await findUser(ref);
  await keepAnAdmin(u, 'deleted');
  const prisma = await db();
  await prisma.$transaction(async (tx) => {
    await tx.user.delete({ where: { id: u.id } });
    await audit(tx, { actor: who.actor, action: 'user.delete', target: u.username, clientIp: who.clientIp, details: { role: u.role } });
  });
}

// ---- API tokens ---------------------------------------------------------------------------

function tokenView(t: ApiTokenRow & { user: { username: string } }): ApiToken {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role as Role,
    owner: t.user.username,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revoked: t.revoked,
    createdAt: t.createdAt.toISOString(),
  };
}

export async function listTokens(p: UserPrincipal): Promise<{ tokens: ApiToken[] }> {
  const prisma = await db();
  const rows = await prisma.apiToken.findMany({ where: p.role === 'admin' ? {} : { userId: p.userId }, include: { user: { select: { username: true } } }, orderBy: { createdAt: 'desc' } });
  return { tokens: rows.map(tokenView) };
}

export async function createToken(p: UserPrincipal, input: z.output<typeof CreateApiTokenRequestSchema>, who: Who): Promise<{ token: ApiToken; secret: string }> {
  if (ROLE_RANK[input.role] > ROLE_RANK[p.role]) throw forbidden(`a token cannot carry more than your role (${p.role})`);
  const prisma = await db();
  const secret = newToken('api');
  const asked = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86400_000) : null;
  // a token minted by a token lives at most as long as its creator: an expiring token cannot mint a permanent one
  const cap = p.via === 'token' ? (p.tokenExpiresAt ?? null) : null;
  if (cap && asked && asked > cap) {
    throw new HttpError(422, `a token created with API token "${p.tokenName}" cannot outlive it (it expires at ${cap.toISOString()})`, [
      { path: 'expiresInDays', message: `at most until ${cap.toISOString()}` },
    ]);
  }
  const expiresAt = asked ?? cap;
  const row = await prisma.$transaction(async (tx) => {
    const t = await tx.apiToken.create({
      data: { name: input.name, tokenHash: tokenHash(secret), prefix: tokenPrefix(secret), role: input.role, userId: p.userId, expiresAt },
      include: { user: { select: { username: true } } },
    });
    await audit(tx, {
      actor: p.actor,
      action: 'token.create',
      target: `${p.username}/${input.name}`,
      clientIp: who.clientIp,
      details: { role: input.role, prefix: t.prefix, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return t;
  });
  return { token: tokenView(row), secret };
}

export async function revokeToken(p: UserPrincipal, id: string, who: Who): Promise<void> {
  const prisma = await db();
  const t = await prisma.apiToken.findUnique({ where: { id }, include: { user: { select: { username: true } } } });
  // someone else's token is "not found" to a non-admin: its existence is not theirs to learn
  if (!t || (t.userId !== p.userId && p.role !== 'admin')) throw notFound(`no API token ${id}`);
  await prisma.$transaction(async (tx) => {
    await tx.apiToken.update({ where: { id }, data: { revoked: true } });
    await audit(tx, { actor: p.actor, action: 'token.revoke', target: `${t.user.username}/${t.name}`, clientIp: who.clientIp, details: { prefix: t.prefix } });
  });
}
