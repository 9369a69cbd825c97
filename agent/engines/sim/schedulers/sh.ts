// sh — source hashing (ip_vs_sh.c): 256 buckets; walking the list cyclically, each destination
// takes max(weight, 1) consecutive buckets (a quiesced one still owns a bucket). The key is the
// client address (+ its port with sh-port). With sh-fallback an unusable owner is skipped by
// re-hashing with growing offsets; without it the packet is dropped.
import { DEST_F_OVERLOAD, SCHED_FLAG_1, SCHED_FLAG_2, hasFlag, hash32, type SchedDest, type SchedService, type Scheduler } from './types';
import { bucketHooks, type Buckets } from './buckets';

const SH_TAB_BITS = 8;
const SH_TAB_SIZE = 1 << SH_TAB_BITS;
const SH_TAB_MASK = SH_TAB_SIZE - 1;

const unavailable = (d: SchedDest): boolean => d.weight <= 0 || (d.flags & DEST_F_OVERLOAD) !== 0;

/** ip_vs_sh_hashkey with the newer kernels' hash_32(). */
function hashkey(fold: number, port: number, offset: number): number {
  return (offset + hash32((port + fold) >>> 0, SH_TAB_BITS)) & SH_TAB_MASK;
}

function reassign(svc: SchedService, table: Buckets): void {
  const dests = svc.dests;
  let p = 0;
  let count = 0;
  for (let i = 0; i < SH_TAB_SIZE; i++) {
    if (dests.length === 0) {
      table[i] = null;
      continue;
    }
    const d = dests[p]!;
    table[i] = d;
    if (++count >= d.weight) {
      p = (p + 1) % dests.length;
      count = 0;
    }
  }
}

export const sh: Scheduler<Buckets> = {
  name: 'sh',
  ...bucketHooks(SH_TAB_SIZE, reassign),

  schedule(svc, table, pkt) {
    // the port is only hashed for TCP/UDP/SCTP (ip_vs_sh_get_port)
    const port = hasFlag(svc, SCHED_FLAG_2) && pkt.protocol !== 0 ? pkt.sport : 0;
    const ihash = hashkey(pkt.sfold, port, 0);
    const first = table[ihash] ?? null;
    if (!hasFlag(svc, SCHED_FLAG_1)) return first === null || unavailable(first) ? null : first;
    if (first === null) return null;
    if (!unavailable(first)) return first;
    for (let offset = 0; offset < SH_TAB_SIZE; offset++) {
      const roffset = (offset + ihash) % SH_TAB_SIZE;
      const d = table[hashkey(pkt.sfold, port, roffset)] ?? null;
      if (d !== null && !unavailable(d)) return d;
    }
    return null;
  },
};
