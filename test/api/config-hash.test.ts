// The server hashes configs with node:crypto; browsers and agents with the pure-JS SHA-256 of
// lib/ipvs/hash.ts. Both must give the same "sha256:<hex>" or agents would NACK every revision.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configHash as pureHash, sha256Hex } from '@/lib/ipvs/hash';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import { DEMO_CONFIG } from '@/lib/server/seed';
import { configHash } from '@/lib/server/config-hash';
import crypto from 'node:crypto';

describe('server config hash', () => {
  it('equals the pure-JS hash for the demo config and for arbitrary weights', () => {
    const demo = DirectorConfigSchema.parse(DEMO_CONFIG);
    expect(configHash(demo)).toBe(pureHash(demo));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 65536 }), { minLength: 1, maxLength: 20 }), (weights) => {
        const c = DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: weights.map((w, i) => ({ address: `10.0.1.${i + 1}`, weight: w })) }] });
        expect(configHash(c)).toBe(pureHash(c));
      }),
      { numRuns: 50 },
    );
  });
  it('agrees with node:crypto on non-ASCII text (the pure SHA-256 hashes UTF-8 bytes)', () => {
    for (const s of ['', 'abc', 'ümlaut — ☃', 'x'.repeat(1000)]) expect(sha256Hex(s)).toBe(crypto.createHash('sha256').update(s).digest('hex'));
  });
});
