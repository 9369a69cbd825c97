// rr — round robin (ip_vs_rr.c). A cursor walks the list; weight counts only as zero / non-zero.
import { DEST_F_OVERLOAD, type SchedDest, type Scheduler } from './types';

/** The cursor: the last chosen destination, or null for the list head. */
interface RrState {
  cursor: SchedDest | null;
}

export const rr: Scheduler<RrState> = {
  name: 'rr',
  init: () => ({ cursor: null }),

  // The cursor's destination left the list: step back to its predecessor (p->next->prev).
  delDest(svc, state, dest, formerIdx) {
    if (state.cursor === dest) state.cursor = formerIdx > 0 ? svc.dests[formerIdx - 1]! : null;
  },

  schedule(svc, state) {
    const dests = svc.dests;
    const last = state.cursor;
    let from = last === null ? 0 : last.idx + 1;
    // Two passes at most: from after the cursor to the end, then from the head up to the cursor.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = from; i < dests.length; i++) {
        const d = dests[i]!;
        if ((d.flags & DEST_F_OVERLOAD) === 0 && d.weight > 0) {
          state.cursor = d;
          return d;
        }
        if (d === last) return null;
      }
      if (last === null) return null; // started at the head: one pass saw everything
      from = 0;
    }
    return null;
  },
};
