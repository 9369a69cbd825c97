// SipHash on 32-bit halves (no BigInt on the hot path). The mh scheduler needs the kernel's
// hsiphash(), which on 64-bit kernels IS SipHash-1-3 truncated to u32 (lib/siphash.c), so mh
// tables here come out as the kernel's would for the same destinations and weights.

/** A 64-bit SipHash key as two little-endian u64 words, each split into [hi, lo] u32 halves. */
export interface SipKey {
  k0hi: number;
  k0lo: number;
  k1hi: number;
  k1lo: number;
}

/** hsiphash_key_t { key[0], key[1] } with both words < 2^32 (what ip_vs_mh.c uses). */
export function sipKey(k0: number, k1: number): SipKey {
  return { k0hi: 0, k0lo: k0 >>> 0, k1hi: 0, k1lo: k1 >>> 0 };
}

/** SipHash-c-d of arbitrary bytes; returns the 64-bit result as [hi, lo]. Used by tests and by sipHash13U32's oracle. */
export function sipHash(c: number, d: number, data: Uint8Array, key: SipKey): [number, number] {
  const s = init(new Float64Array(8), key);
  const len = data.length;
  const end = len - (len % 8);
  for (let i = 0; i < end; i += 8) {
    const mlo = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    const mhi = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0;
    compress(s, c, mhi, mlo);
  }
  let blo = 0;
  let bhi = ((len & 0xff) << 24) >>> 0;
  for (let i = end; i < len; i++) {
    const shift = (i - end) * 8;
    if (shift < 32) blo = (blo | (data[i]! << shift)) >>> 0;
    else bhi = (bhi | (data[i]! << (shift - 32))) >>> 0;
  }
  compress(s, c, bhi, blo);
  return finish(s, d);
}

/**
 * The kernel's hsiphash(&v, 4, key) on a 64-bit machine: SipHash-1-3 over the 4 bytes of a u32
 * in little-endian order, result truncated to u32.
 */
export function sipHash13U32(v: number, key: SipKey): number {
  const s = init(SCRATCH, key);
  compress(s, 1, (4 << 24) >>> 0, v >>> 0);
  s[5] = (s[5]! ^ 0xff) >>> 0;
  round(s);
  round(s);
  round(s);
  return (s[1]! ^ s[3]! ^ s[5]! ^ s[7]!) >>> 0;
}

// ---- internals: state is [v0hi, v0lo, v1hi, v1lo, v2hi, v2lo, v3hi, v3lo] ----------------------

type State = Float64Array;

/** Reused by sipHash13U32: the mh scheduler calls it once per new connection. */
const SCRATCH: State = new Float64Array(8);

function init(s: State, k: SipKey): State {
  s[0] = (0x736f6d65 ^ k.k0hi) >>> 0;
  s[1] = (0x70736575 ^ k.k0lo) >>> 0;
  s[2] = (0x646f7261 ^ k.k1hi) >>> 0;
  s[3] = (0x6e646f6d ^ k.k1lo) >>> 0;
  s[4] = (0x6c796765 ^ k.k0hi) >>> 0;
  s[5] = (0x6e657261 ^ k.k0lo) >>> 0;
  s[6] = (0x74656462 ^ k.k1hi) >>> 0;
  s[7] = (0x79746573 ^ k.k1lo) >>> 0;
  return s;
}

function compress(s: State, rounds: number, mhi: number, mlo: number): void {
  s[6] = (s[6]! ^ mhi) >>> 0;
  s[7] = (s[7]! ^ mlo) >>> 0;
  for (let r = 0; r < rounds; r++) round(s);
  s[0] = (s[0]! ^ mhi) >>> 0;
  s[1] = (s[1]! ^ mlo) >>> 0;
}

function finish(s: State, rounds: number): [number, number] {
  s[5] = (s[5]! ^ 0xff) >>> 0;
  for (let r = 0; r < rounds; r++) round(s);
  return [(s[0]! ^ s[2]! ^ s[4]! ^ s[6]!) >>> 0, (s[1]! ^ s[3]! ^ s[5]! ^ s[7]!) >>> 0];
}

/** Where each 64-bit word's high half sits in the state (its low half follows). */
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

/** One SIPROUND on 32-bit halves. */
function round(s: State): void {
  addRotateXor(s, V0, V1, 13);
  swapHalves(s, V0);
  addRotateXor(s, V2, V3, 16);
  addRotateXor(s, V0, V3, 21);
  addRotateXor(s, V2, V1, 17);
  swapHalves(s, V2);
}

/** va += vb; vb = rotl(vb, rot) ^ va, for 0 < rot < 32, with the carry between the halves. */
function addRotateXor(s: State, a: number, b: number, rot: number): void {
  const t = s[a + 1]! + s[b + 1]!;
  s[a + 1] = t >>> 0;
  s[a] = (s[a]! + s[b]! + (t > 0xffffffff ? 1 : 0)) >>> 0;
  const bh = s[b]!;
  const bl = s[b + 1]!;
  s[b] = (((bh << rot) | (bl >>> (32 - rot))) ^ s[a]!) >>> 0;
  s[b + 1] = (((bl << rot) | (bh >>> (32 - rot))) ^ s[a + 1]!) >>> 0;
}

/** rotl(v, 32): the halves trade places. */
function swapHalves(s: State, a: number): void {
  const t = s[a]!;
  s[a] = s[a + 1]!;
  s[a + 1] = t;
}
