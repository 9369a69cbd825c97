// Passwords and bearer tokens. Passwords are low-entropy, so they get a memory-hard hash (scrypt,
// node:crypto, on the thread pool so logins never block the event loop). Tokens are 256 random
// bits, so a fast SHA-256 is the right hash for them: nothing to brute-force, and every API call
// can look one up by its hash.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (pw: crypto.BinaryLike, salt: crypto.BinaryLike, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

/** log2(N): 17 = 128 MiB per hash (OWASP's recommendation). Tests may lower it with LVS_SCRYPT_LOG2N. */
function costLog2(): number {
  const v = Number(process.env.LVS_SCRYPT_LOG2N ?? 17);
  return Number.isInteger(v) && v >= 10 && v <= 20 ? v : 17;
}

const R = 8;
const P = 1;
const KEYLEN = 32;

/** "scrypt$<log2N>$<r>$<p>$<salt b64>$<hash b64>": parameters travel with the hash, so the cost can rise later. */
export async function hashPassword(password: string): Promise<string> {
  const ln = costLog2();
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: 2 ** ln, r: R, p: P, maxmem: 2 ** ln * R * 256 });
  return `scrypt$${ln}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 10 || ln > 22 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const got = await scrypt(password.normalize('NFKC'), Buffer.from(m[4]!, 'base64'), expected.length, { N: 2 ** ln, r, p, maxmem: 2 ** ln * r * 256 + 1024 });
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

/** A hash to verify against when the user does not exist, so timing does not reveal usernames. */
let dummy: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return dummy;
}

/** A password for a generated account: 24 characters from a 57-symbol alphabet (no look-alikes), ~140 bits. */
export function generatePassword(length = 24): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let out = '';
  while (out.length < length) {
    for (const b of crypto.randomBytes(length * 2)) {
      // rejection sampling: no modulo bias
      if (b < 256 - (256 % alphabet.length) && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

export type TokenKind = 'api' | 'director' | 'session';
const PREFIX: Record<TokenKind, string> = { api: 'lvs_', director: 'lvsd_', session: '' };

/** A new secret: kind prefix + 32 random bytes (base64url). Callers store only tokenHash(secret). */
export function newToken(kind: TokenKind): string {
  return PREFIX[kind] + crypto.randomBytes(32).toString('base64url');
}

export function tokenKind(secret: string): TokenKind | null {
  if (secret.startsWith('lvsd_')) return 'director';
  if (secret.startsWith('lvs_')) return 'api';
  return null;
}

export function tokenHash(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** The first characters, shown in lists so a human can tell tokens apart without the secret. */
export function tokenPrefix(secret: string): string {
  return secret.slice(0, secret.indexOf('_') + 7);
}
