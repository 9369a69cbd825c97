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

/** an empty slot */
const NONE = 0xffff;

interface MhState {
  /** slot -> index in the service's list (rebuilt whenever the list changes), NONE when empty; 8 KB per service */
  lookup: Uint16Array | null;
  gcd: number;
  rshift: number;
  /**
   * The kernel rebuilds on every destination change; the table is a function of the list at that
   * moment only, so rebuilding once before the next lookup gives the same table for less work
   * (loading 10 servers into a service rebuilds once, not 10 times).
   */
  dirty: boolean;
}

/** The Maglev table as the next lookup will see it (rebuilt if a destination changed). */
export function mhTable(svc: SchedService, s: MhState): (SchedDest | null)[] {
  if (s.dirty) reassign(svc, s);
  return Array.from(s.lookup ?? new Uint16Array(MH_TAB_SIZE).fill(NONE), (i) => (i === NONE ? null : svc.dests[i]!));
}

function slot(svc: SchedService, s: MhState, h: number): SchedDest | null {
  const i = s.lookup === null ? NONE : s.lookup[h]!;
  return i === NONE ? null : svc.dests[i]!;
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
  s.dirty = false;
  s.gcd = gcdWeight(svc);
  s.rshift = shiftWeight(svc, s.gcd);
  const dests = svc.dests;
  if (dests.length > MH_TAB_SIZE) {
    // the kernel refuses to rebuild (-EINVAL) and keeps its old table of pointers; indices into a
    // changed list would point at the wrong servers, so this table goes empty instead
    s.lookup?.fill(NONE);
    return;
  }
  if (s.gcd < 1) {
    s.lookup?.fill(NONE);
    return;
  }
  const lookup = (s.lookup ??= new Uint16Array(MH_TAB_SIZE));
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
    for (let i = 0; i < n;) {
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
      lookup[c] = i;
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
  init: () => ({ lookup: null, gcd: 0, rshift: 0, dirty: true }),
  addDest: (_svc, s) => void (s.dirty = true),
  delDest: (_svc, s) => void (s.dirty = true),
  updDest: (_svc, s) => void (s.dirty = true),

  schedule(svc, s, pkt) {
    if (s.dirty) reassign(svc, s);
    const port = hasFlag(svc, SCHED_FLAG_2) && pkt.protocol !== 0 ? pkt.sport : 0;
    const ihash = hashkey(pkt.sfold, port, HASH1, 0) % MH_TAB_SIZE;
    const first = slot(svc, s, ihash);
    if (!hasFlag(svc, SCHED_FLAG_1)) return first === null || unavailable(first) ? null : first;
    if (first === null) return null;
    if (!unavailable(first)) return first;
    // mh-fallback: walk the table from ihash, re-hashing with the offset
    for (let offset = 0; offset < MH_TAB_SIZE; offset++) {
      const roffset = (offset + ihash) % MH_TAB_SIZE;
      const d = slot(svc, s, hashkey(pkt.sfold, port, HASH1, roffset) % MH_TAB_SIZE);
      if (d === null) return null;
      if (!unavailable(d)) return d;
    }
    return null;
  },
};
