// mh — Maglev hashing (ip_vs_mh.c). Each destination gets a preference permutation of the M-slot
// table from two SipHash values of its address+port; destinations claim their next free preferred
// slot in turns proportional to weight/gcd until all M slots are owned. Built from last_weight, so
// quiescing (weight 0) keeps a destination's slots: lookups landing there fail, or walk on with
// mh-fallback. Deleting a destination rebuilds the table; most other slots keep their owner.
import { sipHash13U32, sipKey } from '../siphash';
import { DEST_F_OVERLOAD, SCHED_FLAG_1, SCHED_FLAG_2, gcd, hasFlag, type SchedDest, type SchedService, type Scheduler } from './types';

/** Table sizes selected by CONFIG_IP_VS_MH_TAB_INDEX 8..17; the default index 12 gives 4093. */
const PRIMES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];
const TAB_INDEX = 12;
export const MH_TAB_SIZE = PRIMES[TAB_INDEX - 8]!;
const MH_TAB_BITS = TAB_INDEX >> 1;

const HASH1 = sipKey(2654435761, 2654435761);
const HASH2 = sipKey(2654446892, 2654446892);

interface MhState {
  lookup: (SchedDest | null)[];
  gcd: number;
  rshift: number;
}

const unavailable = (d: SchedDest): boolean => d.weight <= 0 || (d.flags & DEST_F_OVERLOAD) !== 0;

/** ip_vs_mh_hashkey: hsiphash of the u32 (offset + port + folded address). */
function hashkey(fold: number, port: number, key: typeof HASH1, offset: number): number {
  return sipHash13U32((offset + port + fold) >>> 0, key);
}

function gcdWeight(svc: SchedService): number {
  let g = 0;
  for (const d of svc.dests) if (d.lastWeight > 0) g = g > 0 ? gcd(d.lastWeight, g) : d.lastWeight;
  return g;
}

/** Scale weights down so max/gcd fits in MH_TAB_BITS bits: big weights would starve the table. */
function shiftWeight(svc: SchedService, g: number): number {
  if (g < 1) return 0;
  let w = 0;
  for (const d of svc.dests) if (d.lastWeight > w) w = d.lastWeight;
  const mw = Math.floor(w / g);
  const fls = 32 - Math.clz32(mw);
  return Math.max(0, fls - MH_TAB_BITS);
}

function reassign(svc: SchedService, s: MhState): void {
  s.gcd = gcdWeight(svc);
  s.rshift = shiftWeight(svc, s.gcd);
  const dests = svc.dests;
  if (dests.length > MH_TAB_SIZE) return; // the kernel refuses (-EINVAL) and keeps the old table
  if (s.gcd < 1) {
    s.lookup.fill(null);
    return;
  }
  // ip_vs_mh_permutate
  const n = dests.length;
  const perm = new Int32Array(n);
  const skip = new Int32Array(n);
  const turns = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = dests[i]!;
    perm[i] = hashkey(d.fold, d.port, HASH1, 0) % MH_TAB_SIZE;
    skip[i] = (hashkey(d.fold, d.port, HASH2, 0) % (MH_TAB_SIZE - 1)) + 1;
    const t = Math.floor(d.lastWeight / s.gcd) >> s.rshift;
    turns[i] = t !== 0 ? t : d.lastWeight !== 0 ? 1 : 0;
  }
  // ip_vs_mh_populate: round robin over destinations, each claiming `turns` slots per round
  const taken = new Uint8Array(MH_TAB_SIZE);
  let filled = 0;
  let dtCount = 0;
  while (filled < MH_TAB_SIZE) {
    for (let i = 0; i < n; ) {
      if (turns[i]! < 1) {
        i++;
        continue;
      }
      let c = perm[i]!;
      while (taken[c] === 1) {
        c += skip[i]!;
        if (c >= MH_TAB_SIZE) c -= MH_TAB_SIZE;
      }
      perm[i] = c;
      taken[c] = 1;
      s.lookup[c] = dests[i]!;
      if (++filled === MH_TAB_SIZE) return;
      if (++dtCount >= turns[i]!) {
        dtCount = 0;
        i++;
      }
    }
  }
}

export const mh: Scheduler<MhState> = {
  name: 'mh',
  init(svc) {
    const s: MhState = { lookup: new Array<SchedDest | null>(MH_TAB_SIZE).fill(null), gcd: 0, rshift: 0 };
    reassign(svc, s);
    return s;
  },
  addDest: (svc, s) => reassign(svc, s),
  delDest: (svc, s) => reassign(svc, s),
  updDest: (svc, s) => reassign(svc, s),

  schedule(svc, s, pkt) {
    const port = hasFlag(svc, SCHED_FLAG_2) && pkt.protocol !== 0 ? pkt.sport : 0;
    const ihash = hashkey(pkt.sfold, port, HASH1, 0) % MH_TAB_SIZE;
    const first = s.lookup[ihash] ?? null;
    if (!hasFlag(svc, SCHED_FLAG_1)) return first === null || unavailable(first) ? null : first;
    if (first === null) return null;
    if (!unavailable(first)) return first;
    // mh-fallback: walk the table from ihash, re-hashing with the offset
    for (let offset = 0; offset < MH_TAB_SIZE; offset++) {
      const roffset = (offset + ihash) % MH_TAB_SIZE;
      const d = s.lookup[hashkey(pkt.sfold, port, HASH1, roffset) % MH_TAB_SIZE] ?? null;
      if (d === null) return null;
      if (!unavailable(d)) return d;
    }
    return null;
  },
};
