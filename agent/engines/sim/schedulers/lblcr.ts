// lblcr — LBLC with replication (ip_vs_lblcr.c): each destination address maps to a SET of
// servers. The least loaded usable member serves; a set that has not changed for
// lblcr_expiration loses its most loaded member; when the pick is missing or overloaded, wlc
// chooses over the whole service and the choice joins the set.
import { DEST_F_AVAILABLE, connOverhead, type SchedDest, type Scheduler } from './types';
import { pickBest, usable, weightedLeast } from './pick';
import { cacheHooks, isOverloaded, type CacheState } from './lblc-cache';

interface DestSet {
  /** list order: newest member first (list_add_rcu) */
  members: SchedDest[];
  lastmod: number;
}

interface LblcrEntry {
  set: DestSet;
  lastuse: number;
}

type LblcrState = CacheState<LblcrEntry>;

/** ip_vs_dest_set_min: weighted least loaded member that is still linked to the service. */
const setMin = (set: DestSet): SchedDest | null => weightedLeast(set.members, connOverhead, (d) => usable(d) && (d.flags & DEST_F_AVAILABLE) !== 0);

/** ip_vs_dest_set_max: weighted most loaded member with weight (overloaded ones count too). */
const setMax = (set: DestSet): SchedDest | null =>
  pickBest(
    set.members,
    (d) => d.weight > 0,
    connOverhead,
    (doh, d, moh, most) => moh * d.weight < doh * most.weight,
  );

function insert(set: DestSet, dest: SchedDest, check: boolean, now: number): void {
  if (check && set.members.includes(dest)) return;
  set.members.unshift(dest);
  set.lastmod = now;
}

export const lblcr: Scheduler<LblcrState> = {
  name: 'lblcr',
  ...cacheHooks((env) => env.lblcrExpirationMs),

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
