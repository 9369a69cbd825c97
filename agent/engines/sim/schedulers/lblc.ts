// lblc — locality-based least connection (ip_vs_lblc.c): a cache maps the packet's destination
// address to a server; the cached server is reused while it is available, has weight and is not
// "overloaded" (active > weight while another is under half load); otherwise wlc picks a new one
// and replaces the entry. Meant for cache clusters / fwmark services: a single-VIP service has one key.
import { DEST_F_AVAILABLE, connOverhead, type SchedDest, type Scheduler } from './types';
import { weightedLeast } from './pick';
import { cacheHooks, isOverloaded, type CacheState } from './lblc-cache';

interface LblcEntry {
  dest: SchedDest;
  lastuse: number;
}

type LblcState = CacheState<LblcEntry>;

export const lblc: Scheduler<LblcState> = {
  name: 'lblc',
  ...cacheHooks((env) => env.lblcExpirationMs),

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
