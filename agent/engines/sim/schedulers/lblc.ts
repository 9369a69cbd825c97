// lblc — locality-based least connection (ip_vs_lblc.c): a cache maps the packet's destination
// address to a server; the cached server is reused while it is available, has weight and is not
// "overloaded" (active > weight while another is under half load); otherwise wlc picks a new one
// and replaces the entry. Meant for cache clusters / fwmark services: a single-VIP service has one key.
import { DEST_F_AVAILABLE, connOverhead, type SchedDest, type Scheduler } from './types';
import { weightedLeast } from './weighted-least';
import { CHECK_EXPIRE_INTERVAL_MS, checkExpire, isOverloaded, newGc, type CacheGc } from './lblc-cache';

interface LblcEntry {
  dest: SchedDest;
  lastuse: number;
}

interface LblcState {
  cache: Map<string, LblcEntry>;
  gc: CacheGc;
}

export const lblc: Scheduler<LblcState> = {
  name: 'lblc',
  init: () => ({ cache: new Map(), gc: newGc() }),
  done: (_svc, s) => s.cache.clear(),
  gcPeriodMs: CHECK_EXPIRE_INTERVAL_MS,
  gc: (_svc, s, env) => checkExpire(s.cache, s.gc, env.now(), env.lblcExpirationMs),

  schedule(svc, s, pkt, env) {
    const en = s.cache.get(pkt.daddr);
    if (en) {
      en.lastuse = env.now();
      const d = en.dest;
      // a cached server in the trash (deleted) is not AVAILABLE and is ignored
      if ((d.flags & DEST_F_AVAILABLE) !== 0 && d.weight > 0 && !isOverloaded(d, svc)) return d;
    }
    const dest = weightedLeast(svc.dests, connOverhead);
    if (dest === null) return null;
    if (en) en.dest = dest;
    else s.cache.set(pkt.daddr, { dest, lastuse: env.now() });
    return dest;
  },
};
