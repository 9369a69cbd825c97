// The expiry rules lblc and lblcr share (ip_vs_lblc.c / ip_vs_lblcr.c ip_vs_*_check_expire):
// every 60 s; every 30th run a full pass drops entries unused for the *_expiration sysctl
// (24 h); otherwise, only above 16×1024 entries, drop entries idle for 6 min, at most
// min((n − max)·4/3, max/2) of them. Plus the "overloaded" test both use before reusing an entry.
import type { SchedDest, SchedEnv, SchedService, Scheduler } from './types';

export const CHECK_EXPIRE_INTERVAL_MS = 60_000;
const COUNT_FOR_FULL_EXPIRATION = 30;
const ENTRY_TIMEOUT_MS = 6 * 60_000;
const TAB_SIZE = 1 << 10;
const MAX_SIZE = TAB_SIZE * 16;

export interface CacheEntry {
  lastuse: number;
}

export interface CacheGc {
  counter: number;
}

export function newGc(): CacheGc {
  return { counter: 1 };
}

/** The per-service state of lblc and lblcr: the address → entry cache and its expiry counter. */
export interface CacheState<E extends CacheEntry> {
  cache: Map<string, E>;
  gc: CacheGc;
}

/** init/done/gc of a cache scheduler, expiring entries after the sysctl `expirationMs` reads. */
export function cacheHooks<E extends CacheEntry>(expirationMs: (env: SchedEnv) => number): Pick<Scheduler<CacheState<E>>, 'init' | 'done' | 'gcPeriodMs' | 'gc'> {
  return {
    init: () => ({ cache: new Map(), gc: newGc() }),
    done: (_svc, s) => s.cache.clear(),
    gcPeriodMs: CHECK_EXPIRE_INTERVAL_MS,
    gc: (_svc, s, env) => checkExpire(s.cache, s.gc, env.now(), expirationMs(env)),
  };
}

export function checkExpire<E extends CacheEntry>(cache: Map<string, E>, gc: CacheGc, now: number, expirationMs: number): void {
  if (gc.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
    for (const [k, en] of cache) if (now >= en.lastuse + expirationMs) cache.delete(k);
    gc.counter = 1;
    return;
  }
  if (cache.size <= MAX_SIZE) {
    gc.counter++;
    return;
  }
  let goal = Math.min(Math.floor(((cache.size - MAX_SIZE) * 4) / 3), MAX_SIZE / 2);
  for (const [k, en] of cache) {
    if (goal <= 0) break;
    if (now < en.lastuse + ENTRY_TIMEOUT_MS) continue;
    cache.delete(k);
    goal--;
  }
}

/** More active connections than its weight, while some destination is under half its weight. */
export function isOverloaded(dest: SchedDest, svc: SchedService): boolean {
  if (dest.activeConns > dest.weight) {
    for (const d of svc.dests) if (d.activeConns * 2 < d.weight) return true;
  }
  return false;
}
