// IP address handling shared by the model, the parsers and the simulator.
// Pure: no node:net, so it also runs in the browser (forms validate with the same schemas).

export type Family = 'inet' | 'inet6';

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s);
}

/** IPv4 dotted quad -> unsigned 32-bit integer. Caller checks isIPv4 first. */
export function ipv4ToInt(s: string): number {
  const p = s.split('.');
  return ((+p[0]! << 24) >>> 0) + (+p[1]! << 16) + (+p[2]! << 8) + +p[3]!;
}

export function intToIPv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parse an IPv6 literal (RFC 4291 text forms, incl. embedded IPv4) into 8 16-bit groups, or null. */
export function parseIPv6(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return null;
  let head = s;
  let tail4: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = s.slice(lastColon + 1);
    if (!isIPv4(v4)) return null;
    const n = ipv4ToInt(v4);
    tail4 = [n >>> 16, n & 0xffff];
    head = s.slice(0, lastColon + 1);
    // keep a trailing "::" ("::1.2.3.4"), drop a single separator ("64:ff9b::1:1.2.3.4")
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const want = 8 - tail4.length;
  let groups: number[];
  if (dbl >= 0) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right) return null;
    const fill = want - left.length - right.length;
    if (fill < 1) return null;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    const all = parseGroups(head);
    if (!all || all.length !== want) return null;
    groups = all;
  }
  return [...groups, ...tail4];
}

export function isIPv6(s: string): boolean {
  return parseIPv6(s) !== null;
}

/** RFC 5952 text: lowercase, longest run (>=2) of zero groups compressed, first run on ties. */
export function formatIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function addressFamily(s: string): Family | null {
  if (isIPv4(s)) return 'inet';
  if (isIPv6(s)) return 'inet6';
  return null;
}

/** One spelling per address, so equal configs compare and hash equal. */
export function canonicalAddress(s: string): string {
  if (isIPv4(s)) return s;
  const g = parseIPv6(s);
  return g ? formatIPv6(g) : s;
}

/** Address as 4 (v4) or 16 (v6) bytes, network order. */
export function addressBytes(s: string): number[] {
  if (isIPv4(s)) return s.split('.').map(Number);
  const g = parseIPv6(s);
  if (!g) throw new Error(`not an IP address: ${s}`);
  return g.flatMap((x) => [x >> 8, x & 255]);
}

/** Total order: IPv4 before IPv6, then numeric. */
export function compareAddresses(a: string, b: string): number {
  // hot: every sort of services and real servers and every binary search of a table calls it
  if (a === b) return 0;
  const fa = isIPv4(a) ? 0 : 1;
  const fb = isIPv4(b) ? 0 : 1;
  if (fa !== fb) return fa - fb;
  if (fa === 0) return ipv4ToInt(a) - ipv4ToInt(b);
  const ba = addressBytes(a);
  const bb = addressBytes(b);
  for (let i = 0; i < ba.length; i++) if (ba[i] !== bb[i]) return ba[i]! - bb[i]!;
  return 0;
}

/** "[v6]:port" or "v4:port", as ipvsadm prints and accepts. */
export function formatHostPort(address: string, port: number): string {
  return addressFamily(address) === 'inet6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Parse "a.b.c.d:port" or "[v6]:port" (port optional when allowed). Returns null on bad syntax. */
export function parseHostPort(s: string): { address: string; port: number | null } | null {
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
    if (!isIPv6(host)) return null;
  } else if (isIPv6(s) && !isIPv4(s)) {
    host = s; // bare IPv6 literal, no port (ipvsadm tries the whole string as IPv6 first)
  } else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
    if (!isIPv4(host)) return null;
  }
  if (portText === undefined) return { address: canonicalAddress(host), port: null };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port > 65535) return null;
  return { address: canonicalAddress(host), port };
}
