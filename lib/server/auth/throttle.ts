// Password-guessing throttle (sign-in and password change), after OWASP's guidance: a growing
// delay, never a hard lock of an account. Two keys per attempt: (client, username) and client.
// A key's first FREE failures in the window cost nothing; after that each attempt must wait
// BASE_MS · 2^(excess) after the key's last attempt, up to MAX_WAIT_MS. A flood against one
// account from elsewhere therefore slows only that attacker: the owner at their own address has
// their own keys.
//
// Counting is atomic: an attempt reserves its place synchronously, before any await, so N
// parallel attempts are counted 1..N before the first password check completes. Other console
// processes' failures come from the audit log (the failures are audited there anyway), so the
// limit also holds across processes on a shared PostgreSQL.
import { db } from '../db';

export const THROTTLE_WINDOW_MS = 15 * 60_000;
const BASE_MS = 1_000;
const MAX_WAIT_MS = THROTTLE_WINDOW_MS;
/** free failures per (client, username) and per client before delays start */
export const FREE_PAIR_FAILURES = 5;
export const FREE_CLIENT_FAILURES = 30;
const MAX_KEYS = 100_000;

type KeyState = { failures: number[]; inflight: number; last: number; refusedAt: number };
const keys = new Map<string, KeyState>();

function state(key: string, now: number): KeyState {
  let s = keys.get(key);
  if (!s) {
    if (keys.size >= MAX_KEYS) sweep(now);
    s = { failures: [], inflight: 0, last: 0, refusedAt: 0 };
    keys.set(key, s);
  }
  s.failures = s.failures.filter((t) => t > now - THROTTLE_WINDOW_MS);
  return s;
}

function sweep(now: number): void {
  for (const [k, s] of keys) if (!s.inflight && s.last < now - THROTTLE_WINDOW_MS) keys.delete(k);
  // still full of live keys: the oldest go (a memory bound beats a perfect memory)
  if (keys.size >= MAX_KEYS) for (const k of [...keys.keys()].slice(0, keys.size / 2)) keys.delete(k);
}

/** Seconds until an attempt on a key with `count` failures/attempts in flight, the last at `last`, may go; null: now. */
export function waitSeconds(count: number, free: number, last: number, now: number): number | null {
  if (count < free) return null;
  const wait = Math.min(MAX_WAIT_MS, BASE_MS * 2 ** Math.min(30, count - free));
  const left = last + wait - now;
  return left > 0 ? left / 1000 : null;
}

export interface Attempt {
  /** the password was wrong: counts against both keys */
  failed(): void;
  /** it was right: the (client, username) record is cleared */
  succeeded(): void;
}

/** `firstRefusal`: the first refusal since the key's last failure (audit that one, not every one of a flood). */
export type ThrottleResult = { ok: true; attempt: Attempt } | { ok: false; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * Reserve an attempt for `username` from `client`, or say how long to wait. `action` is the
 * audit action that records this kind of failure (for the other processes' share).
 */
export async function beginAttempt(action: string, client: string | null, username: string, now = Date.now()): Promise<ThrottleResult> {
  const c = client ?? 'unknown';
  const pairKey = `${action}|${c}|${username}`;
  const clientKey = `client|${c}`;
  const pair = state(pairKey, now);
  const cl = state(clientKey, now);
  const local = Math.max(
    waitSeconds(pair.failures.length + pair.inflight, FREE_PAIR_FAILURES, pair.last, now) ?? 0,
    waitSeconds(cl.failures.length + cl.inflight, FREE_CLIENT_FAILURES, cl.last, now) ?? 0,
  );
  const refuse = (retryAfterSeconds: number): ThrottleResult => {
    const firstRefusal = pair.refusedAt <= pair.last;
    pair.refusedAt = Date.now();
    return { ok: false, retryAfterSeconds, firstRefusal };
  };
  if (local > 0) return refuse(local);
  // reserved synchronously: the next caller, even in the same tick, counts this one
  pair.inflight++;
  cl.inflight++;
  pair.last = cl.last = now;
  let done = false;
  const release = () => {
    if (done) return false;
    done = true;
    pair.inflight--;
    cl.inflight--;
    return true;
  };
  const attempt: Attempt = {
    failed() {
      if (!release()) return;
      const t = Date.now();
      pair.failures.push(t);
      cl.failures.push(t);
      pair.last = cl.last = t;
    },
    succeeded() {
      if (!release()) return;
      pair.failures = [];
    },
  };
  // what other processes recorded (this process's own failures are in memory already)
  const shared = await sharedWait(action, client, username, now).catch(() => null);
  if (shared !== null && shared > 0) {
    release();
    return refuse(shared);
  }
  return { ok: true, attempt };
}

async function sharedWait(action: string, client: string | null, username: string, now: number): Promise<number | null> {
  const prisma = await db();
  const since = new Date(now - THROTTLE_WINDOW_MS);
  const byClient = { action: { in: [...THROTTLED_ACTIONS] }, clientIp: client, at: { gte: since } };
  const [pair, cl, lastCl] = await Promise.all([
    prisma.auditEvent.findMany({ where: { action, target: username, clientIp: client, at: { gte: since } }, select: { at: true }, orderBy: { at: 'desc' }, take: 64 }),
    prisma.auditEvent.count({ where: byClient }),
    prisma.auditEvent.findFirst({ where: byClient, select: { at: true }, orderBy: { at: 'desc' } }),
  ]);
  const last = pair[0]?.at.getTime() ?? 0;
  return Math.max(waitSeconds(pair.length, FREE_PAIR_FAILURES, last, now) ?? 0, waitSeconds(cl, FREE_CLIENT_FAILURES, lastCl?.at.getTime() ?? 0, now) ?? 0);
}

/** The audit actions that record a failed password guess. */
export const THROTTLED_ACTIONS = ['login.failure', 'user.password.failure'] as const;

/** Tests start each case from a clean slate. */
export function resetThrottle(): void {
  keys.clear();
}
