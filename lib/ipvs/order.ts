// The order in which ipvsadm -L / -S print services and destinations: glibc's qsort (a stable
// top-down merge sort in glibc <= 2.36, which ipvsadm 1.31 distributions ship) with libipvs's
// comparators, which subtract unsigned 32-bit values as int. Addresses that differ by 2^31 or more
// therefore compare "backwards" (192.168.0.1 is listed before 10.0.0.1). The canonical model order
// (model.ts compareServices) is the mathematically sorted one; this is only for printing.
import { PROTOCOL_NUMBER, PROTOCOLS, serviceFamily, type ServiceKey } from './model';
import { addressWords, strictIPv4Value } from './inet';

/** glibc msort_with_tmp: n1 = n/2 left half, merge takes the left element when cmp <= 0. */
export function glibcMergeSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const a = items.slice();
  const tmp = new Array<T>(a.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = n >>> 1;
    sort(lo, n1);
    sort(lo + n1, n - n1);
    let i = lo,
      j = lo + n1,
      k = 0;
    const iEnd = lo + n1,
      jEnd = lo + n;
    while (i < iEnd && j < jEnd) tmp[k++] = cmp(a[i]!, a[j]!) <= 0 ? a[i++]! : a[j++]!;
    while (i < iEnd) tmp[k++] = a[i++]!;
    // the rest of the right half is already in place
    for (let x = 0; x < k; x++) a[lo + x] = tmp[x]!;
  };
  sort(0, a.length);
  return a;
}

/** (int)(a - b) for unsigned 32-bit a, b, as C computes it. */
const wrapDiff = (a: number, b: number): number => (a - b) | 0;

interface ServiceSortKey {
  fwmark: number;
  af: number;
  proto: number;
  words: [number, number, number, number];
  port: number;
}

function serviceSortKey(s: ServiceKey): ServiceSortKey {
  const af = serviceFamily(s) === 'inet6' ? 10 : 2;
  if (s.protocol === 'fwmark') return { fwmark: s.fwmark, af, proto: 0, words: [0, 0, 0, 0], port: 0 };
  return { fwmark: 0, af, proto: PROTOCOL_NUMBER[s.protocol], words: addressWords(s.address), port: s.port };
}

/** libipvs ipvs_cmp_services(), including its wrap-around subtraction. */
function cmpServiceKeys(a: ServiceSortKey, b: ServiceSortKey): number {
  let r = wrapDiff(a.fwmark, b.fwmark);
  if (r) return r;
  r = a.af - b.af;
  if (r) return r;
  r = a.proto - b.proto;
  if (r) return r;
  if (a.af === 10) {
    for (let i = 0; !r && i < 4; i++) r = wrapDiff(a.words[i]!, b.words[i]!);
  } else r = wrapDiff(a.words[0], b.words[0]);
  if (r) return r;
  return a.port - b.port;
}

interface DestSortKey {
  v6: boolean;
  words: [number, number, number, number];
  port: number;
}

/** libipvs ipvs_cmp_dests(): the first dest's family decides how many words are compared. */
function cmpDestKeys(a: DestSortKey, b: DestSortKey): number {
  let r = 0;
  if (a.v6) {
    for (let i = 0; !r && i < 4; i++) r = wrapDiff(a.words[i]!, b.words[i]!);
  } else r = wrapDiff(a.words[0], b.words[0]);
  if (r) return r;
  return a.port - b.port;
}

const SPAN = 2 ** 31;

/**
 * When every IPv4 address (and every fwmark) lies within 2^31 of the others, libipvs's
 * subtraction never wraps and its order is plain numeric order, which a canonical (model-sorted)
 * list already has: then nothing needs sorting. Checked without allocating.
 */
function canonicalIsIpvsadmOrder(services: readonly ServiceKey[]): boolean {
  let lo = Infinity,
    hi = -Infinity,
    flo = Infinity,
    fhi = -Infinity;
  let prev = -1;
  for (const s of services) {
    if (s.protocol === 'fwmark') {
      if (s.family === 'inet6') return false;
      flo = Math.min(flo, s.fwmark);
      fhi = Math.max(fhi, s.fwmark);
      prev = Infinity; // fwmark services come last in both orders
      continue;
    }
    const v = strictIPv4Value(s.address);
    if (v < 0 || prev === Infinity) return false;
    // (protocol rank, address, port) must ascend, as model.compareServices has it
    const key = PROTOCOLS.indexOf(s.protocol) * 2 ** 48 + v * 65536 + s.port;
    if (key <= prev) return false;
    prev = key;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // address services compare as fwmark 0 against the fwmark services
  if (lo !== Infinity) flo = Math.min(flo, 0);
  if (hi - lo >= SPAN || fhi - flo >= SPAN) return false;
  // fwmarks must ascend too
  let pf = 0;
  for (const s of services)
    if (s.protocol === 'fwmark') {
      if (s.fwmark <= pf) return false;
      pf = s.fwmark;
    }
  return true;
}

/** The same for destinations: all IPv4, ascending (address, port), within 2^31. */
function destsInIpvsadmOrder(dests: readonly { address: string; port: number }[]): boolean {
  let lo = Infinity,
    hi = -Infinity,
    prev = -1;
  for (const d of dests) {
    const v = strictIPv4Value(d.address);
    if (v < 0) return false;
    const key = v * 65536 + d.port;
    if (key <= prev) return false;
    prev = key;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo < SPAN;
}

/** Services in the order ipvsadm -Ln / -Sn prints them. */
export function sortServicesLikeIpvsadm<T extends ServiceKey>(services: readonly T[]): T[] {
  if (canonicalIsIpvsadmOrder(services)) return services.slice();
  const keyed = services.map((s) => ({ s, k: serviceSortKey(s) }));
  return glibcMergeSort(keyed, (x, y) => cmpServiceKeys(x.k, y.k)).map((x) => x.s);
}

/** Destinations in the order ipvsadm prints them. */
export function sortDestsLikeIpvsadm<T extends { address: string; port: number }>(dests: readonly T[]): T[] {
  if (dests.length < 2 || destsInIpvsadmOrder(dests)) return dests as T[];
  const keyed = dests.map((d) => {
    return { d, k: { v6: d.address.includes(':'), words: addressWords(d.address), port: d.port } };
  });
  return glibcMergeSort(keyed, (x, y) => cmpDestKeys(x.k, y.k)).map((x) => x.d);
}
