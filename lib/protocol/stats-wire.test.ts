// The compact `rows` stats batch: what the agent encodes decodes to the same samples (keys once,
// unchanged rows left out, keys that leave the table named as gone), and the schema refuses a bad
// batch with the path of the first bad number.
import { describe, expect, it } from 'vitest';
import type { StatsSnapshot } from '../ipvs/stats';
import { StatsBatchSchema, StatsRowsBatchSchema, STATS_ROW_FIELDS, type StatsRowsBatch } from './messages';
import { decodeStatsBatch, encodeStatsBatch, forEachStatsSample } from './stats-wire';

const counters = (n: number) => ({ conns: n, inPkts: n * 10, outPkts: n * 9, inBytes: n * 1000, outBytes: n * 9000 });
const rates = (n: number) => ({ cps: n, inpps: n + 1, outpps: n + 2, inbps: n * 100, outbps: n * 900 });
const server = (address: string, n: number) => ({ address, port: 8080, activeConns: n, inactConns: n + 1, persistConns: n % 2, counters: counters(n), rates: rates(n) });

/** Two services (one fwmark, IPv6) whose numbers move with `t`; `busy` alone changes between samples. */
function sample(at: number, t: number, withDns = true): StatsSnapshot {
  const services: StatsSnapshot['services'] = [
    { service: { protocol: 'tcp', address: '10.0.0.1', port: 80 }, counters: counters(t), rates: rates(t), realServers: [server('10.0.1.1', t), server('10.0.1.2', 7)] },
  ];
  if (withDns) services.push({ service: { protocol: 'fwmark', fwmark: 3, family: 'inet6' }, counters: counters(5), rates: rates(5), realServers: [server('2001:db8::5', 5)] });
  return { at, totals: { counters: counters(t + 5), rates: rates(t + 5) }, services };
}

describe('the rows stats batch', () => {
  it('decodes to the samples it was encoded from, sending each key once and only the rows that changed', () => {
    const samples = [sample(1000, 1), sample(2000, 2), sample(3000, 2), sample(4000, 3, false), sample(5000, 4)];
    const batch = encodeStatsBatch(samples);
    expect(StatsBatchSchema.parse(JSON.parse(JSON.stringify(batch)))).toEqual(batch);
    expect(decodeStatsBatch(batch)).toEqual(samples);
    // 2 servers + service, 1 server + service, totals: 6 keys named once
    expect(batch.keys).toEqual(['tcp|10.0.0.1|80#10.0.1.1|8080', 'tcp|10.0.0.1|80#10.0.1.2|8080', 'tcp|10.0.0.1|80', 'fwmark|inet6|3#2001:db8::5|8080', 'fwmark|inet6|3', '']);
    expect(batch.samples.map((s) => s.rows.length)).toEqual([6, 3, 0, 3, 5]);
    expect(batch.samples[1]!.rows.map((r) => batch.keys[r[0]!])).toEqual(['tcp|10.0.0.1|80#10.0.1.1|8080', 'tcp|10.0.0.1|80', '']);
    expect(batch.samples[3]!.gone).toEqual([3, 4]);
    expect(batch.samples[0]!.rows[2]).toEqual([2, 1 + 7, 2 + 8, 1 + 1, ...Object.values(rates(1)), ...Object.values(counters(1))]);
  });

  it('shares a row between the seconds it did not change in', () => {
    const seen: (number[] | undefined)[][] = [];
    forEachStatsSample(encodeStatsBatch([sample(1000, 1), sample(2000, 2)]), (_, table) => seen.push([...table]));
    expect(seen[1]![1]).toBe(seen[0]![1]); // 10.0.1.2 did not change
    expect(seen[1]![0]).not.toBe(seen[0]![0]);
  });

  it('refuses a malformed batch with the path of each bad part', () => {
    const good = encodeStatsBatch([sample(1000, 1), sample(2000, 2)]);
    const bad = (mutate: (b: StatsRowsBatch) => void) => {
      const b = structuredClone(good);
      mutate(b);
      const r = StatsBatchSchema.safeParse(b);
      expect(r.success).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(bad((b) => (b.samples[1]!.rows[0]![4] = -1))).toEqual(['samples.1.rows.0.4: cps must be a number from 0 to 2^53']);
    expect(bad((b) => ((b.samples[0]!.rows[5] as unknown[])[9] = 'x'))).toEqual(['samples.0.rows.5.9: conns must be a number from 0 to 2^53']);
    expect(bad((b) => (b.samples[0]!.rows[1]![0] = 6))).toEqual(["samples.0.rows.1.0: key index must be an integer below 6 (the batch's keys)"]);
    expect(bad((b) => b.samples[0]!.rows[2]!.pop())).toEqual([`samples.0.rows.2: has ${STATS_ROW_FIELDS.length} numbers; a row is [key index, ${STATS_ROW_FIELDS.join(', ')}]`]);
    expect(bad((b) => (b.keys[1] = 'tcp|10.0.0.1|80 or 1=1'))[0]).toMatch(/^keys\.1: must be '' \(the totals\), a service id/);
    expect(bad((b) => (b.keys[1] = b.keys[0]!))).toEqual(['keys.1: "tcp|10.0.0.1|80#10.0.1.1|8080" is named twice']);
    expect(bad((b) => (b.fields = [...b.fields].reverse()))[0]).toMatch(/^fields: must be activeConns,inactConns,/);
    expect(bad((b) => ((b as { samples: unknown[] }).samples[1] = { at: 2000, rows: 'all' }))).toEqual(['samples.1.rows: Invalid input: expected array, received string']);
    // a hostile batch costs at most a few issues' worth of work
    expect(bad((b) => b.samples[0]!.rows.forEach((r) => r.fill(-1, 1))).length).toBeLessThanOrEqual(20);
  });

  it('still takes the older snapshots shape', () => {
    const r = StatsBatchSchema.parse({ samples: [sample(1000, 1)] });
    expect(r.format).toBeUndefined();
    expect(StatsRowsBatchSchema.safeParse({ samples: [sample(1000, 1)] }).success).toBe(false);
  });
});
