// lblcr — LBLC with replication (ip_vs_lblcr.c): each destination address maps to a SET of
// servers. The least loaded usable member serves; a set that has not changed for
// lblcr_expiration loses its most loaded member; when the pick is missing or overloaded, wlc
// chooses over the whole service and the choice joins the set.
import { DEST_F_AVAILABLE, DEST_F_OVERLOAD, connOverhead, type SchedDest, type Scheduler } from './types';
import { weightedLeast } from './weighted-least';
import { CHECK_EXPIRE_INTERVAL_MS, checkExpire, isOverloaded, newGc, type CacheGc } from './lblc-cache';

interface DestSet {
  /** list order: newest member first (list_add_rcu) */
  members: SchedDest[];
  lastmod: number;
}

interface LblcrEntry {
  set: DestSet;
  lastuse: number;
}

interface LblcrState {
  cache: Map<string, LblcrEntry>;
  gc: CacheGc;
}

/** ip_vs_dest_set_min: weighted least loaded available member. */
function setMin(set: DestSet): SchedDest | null {
  const m = set.members;
  let i = 0;
  let least: SchedDest | null = null;
  for (; i < m.length; i++) {
    const d = m[i]!;
    if ((d.flags & DEST_F_OVERLOAD) !== 0) continue;
    if (d.weight > 0 && (d.flags & DEST_F_AVAILABLE) !== 0) {
      least = d;
      break;
    }
  }
  if (least === null) return null;
  let loh = connOverhead(least);
  for (i++; i < m.length; i++) {
    const d = m[i]!;
    if ((d.flags & DEST_F_OVERLOAD) !== 0) continue;
    const doh = connOverhead(d);
    if (loh * d.weight > doh * least.weight && (d.flags & DEST_F_AVAILABLE) !== 0) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_dest_set_max: weighted most loaded member with weight. */
function setMax(set: DestSet): SchedDest | null {
  const m = set.members;
  let i = 0;
  let most: SchedDest | null = null;
  for (; i < m.length; i++) {
    if (m[i]!.weight > 0) {
      most = m[i]!;
      break;
    }
  }
  if (most === null) return null;
  let moh = connOverhead(most);
  for (i++; i < m.length; i++) {
    const d = m[i]!;
    const doh = connOverhead(d);
    if (moh * d.weight < doh * most.weight && d.weight > 0) {
      most = d;
      moh = doh;
    }
  }
  return most;
}

function insert(set: DestSet, dest: SchedDest, check: boolean, now: number): void {
  if (check && set.members.includes(dest)) return;
  set.members.unshift(dest);
  set.lastmod = now;
}

export const lblcr: Scheduler<LblcrState> = {
  name: 'lblcr',
  init: () => ({ cache: new Map(), gc: newGc() }),
  done: (_svc, s) => s.cache.clear(),
  gcPeriodMs: CHECK_EXPIRE_INTERVAL_MS,
  gc: (_svc, s, env) => checkExpire(s.cache, s.gc, env.now(), env.lblcrExpirationMs),

  schedule(svc, s, pkt, env) {
    const now = env.now();
    const en = s.cache.get(pkt.daddr);
    if (en) {
      en.lastuse = now;
      let dest = setMin(en.set);
      // more than one member and unchanged for long enough: shed the most loaded one
      if (en.set.members.length > 1 && now > en.set.lastmod + env.lblcrExpirationMs) {
        const m = setMax(en.set);
        if (m) {
          en.set.members.splice(en.set.members.indexOf(m), 1);
          en.set.lastmod = now;
        }
      }
      if (dest !== null && !isOverloaded(dest, svc)) return dest;
      dest = weightedLeast(svc.dests, connOverhead);
      if (dest === null) return null;
      insert(en.set, dest, true, now);
      return dest;
    }
    const dest = weightedLeast(svc.dests, connOverhead);
    if (dest === null) return null;
    const set: DestSet = { members: [], lastmod: now };
    insert(set, dest, false, now);
    s.cache.set(pkt.daddr, { set, lastuse: now });
    return dest;
  },
};
