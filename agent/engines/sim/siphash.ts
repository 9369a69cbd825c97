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

/** One SIPROUND on 32-bit halves. */
function round(s: State): void {
  let v0h = s[0]!,
    v0l = s[1]!,
    v1h = s[2]!,
    v1l = s[3]!,
    v2h = s[4]!,
    v2l = s[5]!,
    v3h = s[6]!,
    v3l = s[7]!;
  let t: number, h: number, l: number;

  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  t = v0l + v1l;
  v0l = t >>> 0;
  v0h = (v0h + v1h + (t > 0xffffffff ? 1 : 0)) >>> 0;
  h = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  l = ((v1l << 13) | (v1h >>> 19)) >>> 0;
  v1h = (h ^ v0h) >>> 0;
  v1l = (l ^ v0l) >>> 0;
  t = v0h;
  v0h = v0l;
  v0l = t;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  t = v2l + v3l;
  v2l = t >>> 0;
  v2h = (v2h + v3h + (t > 0xffffffff ? 1 : 0)) >>> 0;
  h = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  l = ((v3l << 16) | (v3h >>> 16)) >>> 0;
  v3h = (h ^ v2h) >>> 0;
  v3l = (l ^ v2l) >>> 0;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  t = v0l + v3l;
  v0l = t >>> 0;
  v0h = (v0h + v3h + (t > 0xffffffff ? 1 : 0)) >>> 0;
  h = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  l = ((v3l << 21) | (v3h >>> 11)) >>> 0;
  v3h = (h ^ v0h) >>> 0;
  v3l = (l ^ v0l) >>> 0;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  t = v2l + v1l;
  v2l = t >>> 0;
  v2h = (v2h + v1h + (t > 0xffffffff ? 1 : 0)) >>> 0;
  h = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  l = ((v1l << 17) | (v1h >>> 15)) >>> 0;
  v1h = (h ^ v2h) >>> 0;
  v1l = (l ^ v2l) >>> 0;
  t = v2h;
  v2h = v2l;
  v2l = t;

  s[0] = v0h;
  s[1] = v0l;
  s[2] = v1h;
  s[3] = v1l;
  s[4] = v2h;
  s[5] = v2l;
  s[6] = v3h;
  s[7] = v3l;
}
