// Filtering of connection-table entries, the same for every engine. Each address filter accepts
// an address ("10.0.0.5", "2001:db8::5"), an address with port ("10.0.0.5:80", "[2001:db8::5]:80"),
// a CIDR prefix ("10.0.0.0/24", "2001:db8::/32"), or any other text, matched as a substring of
// "address:port" (handy for a search box).
import type { ConnEntry, ConnFilter } from '@/lib/ipvs/stats';
import { addressBytes, addressFamily, canonicalAddress, formatHostPort, parseHostPort } from '@/lib/ipvs/addr';

type AddrMatcher = (address: string, port: number) => boolean;

function prefixMatcher(net: string, bits: number): AddrMatcher | null {
  const fam = addressFamily(net);
  if (!fam || !Number.isInteger(bits) || bits < 0 || bits > (fam === 'inet' ? 32 : 128)) return null;
  const want = addressBytes(canonicalAddress(net));
  return (address) => {
    if (addressFamily(address) !== fam) return false;
    const got = addressBytes(address);
    let left = bits;
    for (let i = 0; left > 0; i++, left -= 8) {
      const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
      if ((got[i]! & mask) !== (want[i]! & mask)) return false;
    }
    return true;
  };
}

export function addressMatcher(spec: string): AddrMatcher {
  const s = spec.trim();
  const slash = s.indexOf('/');
  if (slash > 0 && /^\d{1,3}$/.test(s.slice(slash + 1))) {
    const m = prefixMatcher(s.slice(0, slash), Number(s.slice(slash + 1)));
    if (m) return m;
  }
  if (addressFamily(s)) {
    const a = canonicalAddress(s);
    return (address) => address === a;
  }
  const hp = parseHostPort(s);
  if (hp && hp.port !== null) return (address, port) => address === hp.address && port === hp.port;
  const needle = s.toLowerCase();
  return (address, port) => formatHostPort(address, port).toLowerCase().includes(needle);
}

/** Compile a filter once; the result is called for every entry of a possibly huge table. */
export function compileConnFilter(filter: Partial<ConnFilter> = {}): (e: ConnEntry) => boolean {
  const client = filter.client ? addressMatcher(filter.client) : null;
  const virt = filter.virtual ? addressMatcher(filter.virtual) : null;
  const dest = filter.dest ? addressMatcher(filter.dest) : null;
  const state = filter.state ? filter.state.trim().toUpperCase() : null;
  const templates = filter.templates ?? 'include';
  return (e) =>
    (templates === 'include' || (templates === 'only') === e.template) &&
    (!state || e.state.toUpperCase() === state) &&
    (!client || client(e.clientAddress, e.clientPort)) &&
    (!virt || virt(e.virtualAddress, e.virtualPort)) &&
    (!dest || dest(e.destAddress, e.destPort));
}

const cache = new WeakMap<object, (e: ConnEntry) => boolean>();

/** matchConn(entry, filter): compileConnFilter with the compiled form cached per filter object. */
export function matchConn(e: ConnEntry, filter: Partial<ConnFilter>): boolean {
  let f = cache.get(filter);
  if (!f) {
    f = compileConnFilter(filter);
    cache.set(filter, f);
  }
  return f(e);
}
