// Address conversions that ipvsadm and the kernel's /proc files use, beyond the canonical text
// forms of addr.ts: glibc's inet_aton (what ipvsadm accepts for IPv4 and -M), the kernel's
// uncompressed %pI6, and 32-bit words for ipvsadm's sort.
import { formatIPv6, intToIPv4, ipv4ToInt, isIPv4, parseIPv6 } from './addr';

const MAX_PART = [0xffffffff, 0xffffff, 0xffff, 0xff];

/** strtoul(s, &end, 0) on a string starting with a digit: returns [value, consumed chars]. */
function strtoulBase0(s: string, from: number): [number, number] {
  let i = from;
  let base = 10;
  if (s[i] === '0') {
    if ((s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
      base = 16;
      i += 2;
    } else base = 8;
  }
  const digits = base === 16 ? /[0-9a-fA-F]/ : base === 8 ? /[0-7]/ : /[0-9]/;
  let v = 0;
  const start = i;
  while (i < s.length && digits.test(s[i]!)) {
    v = v * base + parseInt(s[i]!, base);
    if (v > 0xffffffff) v = Infinity; // glibc refuses > 0xffffffff
    i++;
  }
  if (base === 8 && i === start) return [0, i - from]; // just "0"
  return [v, i - from];
}

/**
 * glibc inet_aton(): "a.b.c.d", "a.b.c" (c 16 bits), "a.b" (b 24 bits), "a" (32 bits); each part
 * decimal, 0x-hex or 0-octal. Returns the address as an unsigned 32-bit number, or null.
 */
export function inetAton(s: string): number | null {
  const parts: number[] = [];
  let i = 0;
  let val = 0;
  for (;;) {
    if (!/[0-9]/.test(s[i] ?? '')) return null;
    const [v, n] = strtoulBase0(s, i);
    if (!Number.isFinite(v)) return null;
    val = v;
    i += n;
    if (s[i] === '.') {
      if (parts.length > 2 || val > 0xff) return null;
      parts.push(val);
      i++;
    } else break;
  }
  if (i < s.length && !/\s/.test(s[i]!)) return null;
  if (val > MAX_PART[parts.length]!) return null;
  let word = 0;
  parts.forEach((p, k) => (word += p * 2 ** (24 - 8 * k)));
  return word + val;
}

/** inet_aton, then the dotted-quad text; null when glibc would refuse it. */
export function inetAtonText(s: string): string | null {
  if (strictIPv4Value(s) >= 0) return s; // already canonical: the common case, kept cheap
  const n = inetAton(s);
  return n === null ? null : intToIPv4(n);
}

/** An address as four host-order 32-bit words (IPv4: [addr, 0, 0, 0], as in the kernel's union nf_inet_addr). */
export function addressWords(address: string): [number, number, number, number] {
  const v4 = strictIPv4Value(address);
  if (v4 >= 0) return [v4, 0, 0, 0];
  if (isIPv4(address)) return [ipv4ToInt(address), 0, 0, 0];
  const g = parseIPv6(address);
  if (!g) throw new Error(`not an IP address: ${address}`);
  return [((g[0]! << 16) | g[1]!) >>> 0, ((g[2]! << 16) | g[3]!) >>> 0, ((g[4]! << 16) | g[5]!) >>> 0, ((g[6]! << 16) | g[7]!) >>> 0];
}

/** The kernel's %pI6: eight groups of four lower-case hex digits, no compression. */
export function formatIPv6Full(address: string): string {
  const g = parseIPv6(address);
  if (!g) throw new Error(`not an IPv6 address: ${address}`);
  return g.map((x) => x.toString(16).padStart(4, '0')).join(':');
}

/** "0A000001" (host-order hex, as /proc prints %08X) -> "10.0.0.1". */
export function hexToIPv4(hex: string): string | null {
  if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) return null;
  return intToIPv4(parseInt(hex, 16) >>> 0);
}

/** An uncompressed (or any) IPv6 literal -> canonical text, or null. */
export function canonicalIPv6(s: string): string | null {
  const g = parseIPv6(s);
  return g ? formatIPv6(g) : null;
}

/**
 * The value of a strict dotted quad ("10.0.0.1": four decimal parts 0–255, no leading zeros: the
 * canonical IPv4 text), or -1. One pass over the characters: the parsers' hot path.
 */
export function strictIPv4Value(s: string, start = 0, end = s.length): number {
  const len = end - start;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let lead = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      else if (lead === 48) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** "[v6]:port" or "v4:port" for a canonical address (IPv6 text always has a colon, IPv4 never). */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
