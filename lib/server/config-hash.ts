// The same "sha256:<hex>" as lib/ipvs/hash.ts configHash (same canonical JSON), with node:crypto's
// native SHA-256: on a 1,000-service config that is ~40 ms instead of ~110 ms. A test pins the two
// to the same output.
import crypto from 'node:crypto';
import { canonicalJson } from '../ipvs/hash';
import type { DirectorConfig } from '../ipvs/model';

export function configHash(config: DirectorConfig): string {
  return `sha256:${crypto.createHash('sha256').update(canonicalJson(config)).digest('hex')}`;
}
