import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sipHash, sipHash13U32, sipKey, type SipKey } from './siphash';

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M64;

/** Straight BigInt transcription of the reference algorithm: the oracle for the 32-bit-halves code. */
function oracle(c: number, d: number, data: Uint8Array, k0: bigint, k1: bigint): bigint {
  let v0 = 0x736f6d6570736575n ^ k0,
    v1 = 0x646f72616e646f6dn ^ k1,
    v2 = 0x6c7967656e657261n ^ k0,
    v3 = 0x7465646279746573n ^ k1;
  const sip = () => {
    v0 = (v0 + v1) & M64;
    v1 = rotl(v1, 13n);
    v1 ^= v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rotl(v3, 16n);
    v3 ^= v2;
    v0 = (v0 + v3) & M64;
    v3 = rotl(v3, 21n);
    v3 ^= v0;
    v2 = (v2 + v1) & M64;
    v1 = rotl(v1, 17n);
    v1 ^= v2;
    v2 = rotl(v2, 32n);
  };
  const words = Math.floor(data.length / 8);
  for (let w = 0; w < words; w++) {
    let m = 0n;
    for (let i = 7; i >= 0; i--) m = (m << 8n) | BigInt(data[w * 8 + i]!);
    v3 ^= m;
    for (let r = 0; r < c; r++) sip();
    v0 ^= m;
  }
  let b = BigInt(data.length & 0xff) << 56n;
  for (let i = words * 8; i < data.length; i++) b |= BigInt(data[i]!) << BigInt(8 * (i - words * 8));
  v3 ^= b;
  for (let r = 0; r < c; r++) sip();
  v0 ^= b;
  v2 ^= 0xffn;
  for (let r = 0; r < d; r++) sip();
  return v0 ^ v1 ^ v2 ^ v3;
}

const toBig = ([hi, lo]: [number, number]) => (BigInt(hi) << 32n) | BigInt(lo);
const keyOf = (k0: bigint, k1: bigint): SipKey => ({
  k0hi: Number(k0 >> 32n),
  k0lo: Number(k0 & 0xffffffffn),
  k1hi: Number(k1 >> 32n),
  k1lo: Number(k1 & 0xffffffffn),
});

describe('siphash', () => {
  // key 00 01 .. 0f, message 00 01 .. (len-1): the published SipHash-2-4 vectors
  const refKey = keyOf(0x0706050403020100n, 0x0f0e0d0c0b0a0908n);
  const msg = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

  it('matches the published SipHash-2-4 vectors', () => {
    expect(toBig(sipHash(2, 4, msg(0), refKey))).toBe(0x726fdb47dd0e0e31n);
    expect(toBig(sipHash(2, 4, msg(15), refKey))).toBe(0xa129ca6149be45e5n);
  });

  it('agrees with a BigInt transcription for SipHash-1-3 and 2-4 on random input', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, M64), fc.bigInt(0n, M64), fc.uint8Array({ maxLength: 40 }), (k0, k1, data) => {
        const key = keyOf(k0, k1);
        expect(toBig(sipHash(1, 3, data, key))).toBe(oracle(1, 3, data, k0, k1));
        expect(toBig(sipHash(2, 4, data, key))).toBe(oracle(2, 4, data, k0, k1));
      }),
      { numRuns: 300 },
    );
  });

  it('sipHash13U32 is hsiphash(&v, 4, key) on 64-bit: the low word of SipHash-1-3 of v little-endian', () => {
    const key = sipKey(2654435761, 2654435761);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        const bytes = Uint8Array.of(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
        expect(sipHash13U32(v, key)).toBe(Number(oracle(1, 3, bytes, 2654435761n, 2654435761n) & 0xffffffffn));
      }),
      { numRuns: 300 },
    );
  });
});
