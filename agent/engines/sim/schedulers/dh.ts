// dh — destination hashing (ip_vs_dh.c): 256 buckets dealt to the destinations one each, cyclically
// in list order, ignoring weight; the key is the packet's destination address. No fallback: an
// unusable bucket owner drops the packet.
import { DEST_F_AVAILABLE, DEST_F_OVERLOAD, hash32, type SchedService, type Scheduler } from './types';
import { bucketHooks, type Buckets } from './buckets';

const DH_TAB_BITS = 8;
const DH_TAB_SIZE = 1 << DH_TAB_BITS;

function reassign(svc: SchedService, table: Buckets): void {
  const dests = svc.dests;
  for (let i = 0; i < DH_TAB_SIZE; i++) table[i] = dests.length === 0 ? null : dests[i % dests.length]!;
}

export const dh: Scheduler<Buckets> = {
  name: 'dh',
  ...bucketHooks(DH_TAB_SIZE, reassign),

  schedule(_svc, table, pkt) {
    const d = table[hash32(pkt.dfold, DH_TAB_BITS)] ?? null;
    if (d === null || (d.flags & DEST_F_AVAILABLE) === 0 || d.weight <= 0 || (d.flags & DEST_F_OVERLOAD) !== 0) return null;
    return d;
  },
};
