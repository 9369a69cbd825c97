// The picture's O(K) helpers against their obvious O(N) definitions: scoping and patching by binary
// search in the model's order, and planning only what differs, give what a whole-table scan gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DirectorConfigSchema, type DirectorConfig } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { sortServices } from '@/lib/ipvs/kernel-table';
import { plan } from '@/lib/ipvs/plan';
import { findService, mergeScopedRead, planChanged, sameData, scopeOf } from './scoped-read';

/** A table from service indexes (mixed protocols, IPv4 and IPv6, fwmarks) and a weight per service. */
function table(ids: number[], weight: (i: number) => number = () => 1): DirectorConfig {
  return DirectorConfigSchema.parse({
    services: [...new Set(ids)].map((i) => {
      const key =
        i % 5 === 4
          ? { protocol: 'fwmark', fwmark: i + 1, family: i % 2 ? 'inet6' : 'inet' }
          : { protocol: i % 3 === 1 ? 'udp' : 'tcp', address: i % 7 === 6 ? `2001:db8::${i.toString(16)}` : `10.${i % 200}.${Math.floor(i / 200)}.1`, port: 80 + (i % 4) };
      const v6 = key.protocol === 'fwmark' ? key.family === 'inet6' : String(key.address).includes(':');
      return { ...key, scheduler: 'wrr', realServers: [1, 2].map((r) => ({ address: v6 ? `2001:db8:1::${r}` : `10.250.0.${r}`, port: 80, forwarding: 'masq', weight: r === 1 ? weight(i) : 2 })) };
    }),
  });
}
const ids = fc.array(fc.nat(400), { maxLength: 60 });
const naiveScope = (c: DirectorConfig, keys: { services: DirectorConfig['services'] }) => {
  const want = new Set(keys.services.map((s) => serviceKeyId(s)));
  return { globals: c.globals, services: c.services.filter((s) => want.has(serviceKeyId(s))) };
};

describe('scoped-read: the picture in O(K)', () => {
  it('findService finds every service of a canonical table and places absent ones where they sort', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const c = table(a);
        c.services.forEach((s, i) => expect(findService(c.services, s)).toBe(i));
        for (const s of table(b).services) {
          const i = findService(c.services, s);
          if (i >= 0) expect(serviceKeyId(c.services[i]!)).toBe(serviceKeyId(s));
          else expect(sortServices([...c.services.slice(0, -i - 1), s]).at(-1)).toBe(s); // everything before the insertion point sorts first
        }
      }),
    );
  });

  it('scopeOf is the whole-table filter', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        expect(scopeOf(table(a), { services: table(b).services })).toEqual(naiveScope(table(a), { services: table(b).services }));
      }),
    );
  });

  it('mergeScopedRead: scoped services replaced, added or gone, the rest kept as objects; the picture itself when nothing changed', () => {
    fc.assert(
      fc.property(ids, ids, ids, (pic, scoped, live) => {
        const picture = table(pic);
        const kernel = table(live, (i) => i % 3);
        const scope = { services: table(scoped).services };
        const fresh = scopeOf(kernel, scope);
        const merged = mergeScopedRead(picture, fresh, scope);
        const inScope = new Set(scope.services.map((s) => serviceKeyId(s)));
        const expected = sortServices([...picture.services.filter((s) => !inScope.has(serviceKeyId(s))), ...fresh.services]);
        expect(merged.services).toEqual(expected);
        for (const s of merged.services) if (!inScope.has(serviceKeyId(s))) expect(picture.services).toContain(s);
        expect(mergeScopedRead(merged, scopeOf(merged, scope), scope)).toBe(merged);
      }),
    );
  });

  it('planChanged gives the whole-table plan', () => {
    fc.assert(
      fc.property(ids, ids, fc.nat(5), (a, b, w) => {
        const x = table(a, (i) => (i % 4 === w ? 9 : 1));
        const y = table(a.length % 2 ? b : a);
        expect(planChanged(x, y)).toEqual(plan(x, y));
        expect(planChanged(y, x)).toEqual(plan(y, x));
      }),
    );
  });

  it('sameData: deep equality of JSON data, undefined fields as absent', () => {
    expect(sameData({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameData({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
    expect(sameData({ a: [1] }, { a: { 0: 1 } })).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: 0 })).toBe(false);
  });
});
