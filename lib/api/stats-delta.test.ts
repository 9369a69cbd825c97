// Table deltas: a delta names only the rows that changed (and those that left), and applying the
// deltas of any sequence of tables to the first one gives each next table exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTableDelta, tableDelta, tableOf, type StatsTable } from './stats-delta';
import { FIELD, STATS_FIELDS, statsRow, type StatsValues } from './stats-fields';

const KEYS = ['tcp|10.0.0.1|80', 'tcp|10.0.0.1|80#10.0.1.1|80', 'tcp|10.0.0.1|80#10.0.1.2|80', 'udp|10.0.0.2|53', 'fwmark|inet|7', 'fwmark|inet|7#10.0.2.1|0'];
const values = fc.tuple(...STATS_FIELDS.map(() => fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 1e9, noNaN: true })))) as fc.Arbitrary<StatsValues>;
const table = fc.dictionary(fc.constantFrom(...KEYS), values).map((d) => new Map(Object.entries(d)) as StatsTable);

describe('table deltas', () => {
  it('carry only the rows that changed and rebuild every next table', () => {
    fc.assert(
      fc.property(fc.array(table, { minLength: 1, maxLength: 12 }), (tables) => {
        const browser = new Map(tables[0]);
        let prev = tables[0]!;
        for (const next of tables.slice(1)) {
          const d = tableDelta(prev, next);
          // only changed rows: each named row is new or differs; each unnamed row is unchanged
          for (const r of d.rows) expect(prev.get(r[0])).not.toEqual(r.slice(1));
          for (const [k, v] of next) if (!d.rows.some((r) => r[0] === k)) expect(prev.get(k)).toEqual(v);
          expect(d.gone.every((k) => prev.has(k) && !next.has(k))).toBe(true);
          const touched = applyTableDelta(browser, d);
          expect(new Set(touched)).toEqual(new Set([...d.rows.map((r) => r[0]), ...d.gone]));
          expect(browser).toEqual(next);
          prev = next;
        }
      }),
    );
  });

  it('are empty when nothing changed, and a full table round-trips through rows', () => {
    const t: StatsTable = new Map([['tcp|10.0.0.1|80', [1, 2, 0, 3, 4, 5, 6, 7]]]);
    expect(tableDelta(t, new Map(t))).toEqual({ rows: [], gone: [] });
    expect(tableOf([...t].map(([k, v]) => statsRow(k, v)))).toEqual(t);
    expect(t.get('tcp|10.0.0.1|80')![FIELD.cps]).toBe(3);
  });
});
