// The `rows` stats batch (StatsRowsBatchSchema in messages.ts) both ways: the agent encodes its
// samples into it at the wire boundary, the console decodes it into per-second tables. One sample
// is also turned into rows here for the console's older `snapshots` shape, so both shapes meet in
// the same rows and a service's or the totals' sums are made in one place.
import { realServerKeyId, serverKeyId, serviceKeyId, parseRealServerKeyId, parseServiceKeyId, splitServerKeyId } from '../ipvs/keys';
import { COUNTER_FIELDS, STATS_FIELDS, type Counters, type Rates, type ServiceStats, type StatsSnapshot } from '../ipvs/stats';
import { STATS_ROW_FIELDS, type StatsRowsBatch, type StatsWireRow } from './messages';

/** The totals row's key. */
export const TOTAL_KEY = '';

/** Where each field sits in a row's numbers (without the key index). */
const AT = Object.fromEntries(STATS_ROW_FIELDS.map((f, i) => [f, i])) as { readonly [F in (typeof STATS_ROW_FIELDS)[number]]: number };
const RATE_FIELDS = STATS_FIELDS.filter((f): f is keyof Rates & (typeof STATS_FIELDS)[number] => f !== 'activeConns' && f !== 'inactConns' && f !== 'persistConns');

function numbers(active: number, inact: number, persist: number, rates: Rates, counters: Counters): number[] {
  const row = new Array<number>(STATS_ROW_FIELDS.length);
  row[AT.activeConns] = active;
  row[AT.inactConns] = inact;
  row[AT.persistConns] = persist;
  for (const f of RATE_FIELDS) row[AT[f]] = rates[f];
  for (const f of COUNTER_FIELDS) row[AT[f]] = counters[f];
  return row;
}

/**
 * Every row of one sample, as `put(key, numbers in STATS_ROW_FIELDS order)`: each real server, then
 * its service (whose conns are its real servers' sums, as ipvsadm's listing has none of its own),
 * and last the totals (the services' sums).
 */
export function snapshotRows(s: StatsSnapshot, put: (key: string, row: number[]) => void): void {
  let ta = 0;
  let ti = 0;
  let tp = 0;
  for (const svc of s.services) {
    const sk = serviceKeyId(svc.service);
    let a = 0;
    let inact = 0;
    let pc = 0;
    for (const rs of svc.realServers) {
      a += rs.activeConns;
      inact += rs.inactConns;
      pc += rs.persistConns;
      put(serverKeyId(sk, realServerKeyId(rs)), numbers(rs.activeConns, rs.inactConns, rs.persistConns, rs.rates, rs.counters));
    }
    ta += a;
    ti += inact;
    tp += pc;
    put(sk, numbers(a, inact, pc, svc.rates, svc.counters));
  }
  put(TOTAL_KEY, numbers(ta, ti, tp, s.totals.rates, s.totals.counters));
}

const same = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Samples (oldest first) as one `rows` batch: keys once, the first sample whole, the later ones as their changed rows. */
export function encodeStatsBatch(samples: readonly StatsSnapshot[]): StatsRowsBatch {
  const keys: string[] = [];
  const index = new Map<string, number>();
  /** per key index: its numbers in the sample before, and in which sample it was last seen */
  const last: (number[] | undefined)[] = [];
  const seenIn: number[] = [];
  const out: StatsRowsBatch['samples'] = [];
  samples.forEach((s, n) => {
    const rows: StatsWireRow[] = [];
    snapshotRows(s, (key, row) => {
      let i = index.get(key);
      if (i === undefined) index.set(key, (i = keys.push(key) - 1));
      const prev = seenIn[i] === n - 1 ? last[i] : undefined;
      seenIn[i] = n;
      if (prev && same(prev, row)) return;
      last[i] = row;
      rows.push([i, ...row]);
    });
    const gone: number[] = [];
    if (n > 0) for (let i = 0; i < keys.length; i++) if (seenIn[i] === n - 1) gone.push(i);
    out.push(gone.length ? { at: s.at, rows, gone } : { at: s.at, rows });
  });
  return { format: 'rows', fields: [...STATS_ROW_FIELDS], keys, samples: out };
}

/**
 * A `rows` batch as its full tables, oldest first as sent: `each(at, table)` with `table[i]` the
 * row of `keys[i]` at that second (its numbers after the key index) or undefined when the key is not
 * in the table then. `table` is reused for the next sample, and a row array is shared between the
 * seconds it did not change in (so a caller can tell a changed row by identity).
 */
export function forEachStatsSample(b: StatsRowsBatch, each: (at: number, table: readonly (StatsWireRow | undefined)[]) => void): void {
  const table: (StatsWireRow | undefined)[] = new Array(b.keys.length);
  for (const s of b.samples) {
    for (const g of s.gone ?? []) table[g] = undefined;
    for (const r of s.rows) table[r[0]!] = r.slice(1);
    each(s.at, table);
  }
}

/** A `rows` batch back into the samples it was encoded from (agents' test doubles read batches so). */
export function decodeStatsBatch(b: StatsRowsBatch): StatsSnapshot[] {
  const out: StatsSnapshot[] = [];
  forEachStatsSample(b, (at, table) => {
    const services = new Map<string, ServiceStats>();
    const servicesOf = (id: string) => {
      let svc = services.get(id);
      if (!svc) services.set(id, (svc = { service: parseServiceKeyId(id)!, counters: zeroCounters(), rates: zeroRates(), realServers: [] }));
      return svc;
    };
    let totals = { counters: zeroCounters(), rates: zeroRates() };
    table.forEach((row, i) => {
      if (!row) return;
      const key = b.keys[i]!;
      const parts = splitServerKeyId(key);
      const { counters, rates } = countersAndRates(row);
      if (key === TOTAL_KEY) totals = { counters, rates };
      else if (!parts) Object.assign(servicesOf(key), { counters, rates });
      else {
        const rs = parseRealServerKeyId(parts.server)!;
        servicesOf(parts.service).realServers.push({
          ...rs,
          activeConns: row[AT.activeConns]!,
          inactConns: row[AT.inactConns]!,
          persistConns: row[AT.persistConns]!,
          counters,
          rates,
        });
      }
    });
    out.push({ at, totals, services: [...services.values()] });
  });
  return out;
}

function countersAndRates(row: number[]): { counters: Counters; rates: Rates } {
  const counters = zeroCounters();
  const rates = zeroRates();
  for (const f of COUNTER_FIELDS) counters[f] = row[AT[f]]!;
  for (const f of RATE_FIELDS) rates[f] = row[AT[f]]!;
  return { counters, rates };
}
const zeroCounters = (): Counters => ({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });
const zeroRates = (): Rates => ({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });
