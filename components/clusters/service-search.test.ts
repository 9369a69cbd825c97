import { describe, expect, it } from 'vitest';
import { VirtualServiceSchema, type VirtualServiceInput } from '@/lib/ipvs/model';
import { ServiceSearch } from './service-search';

const svc = (i: number, over: Partial<VirtualServiceInput> = {}) =>
  VirtualServiceSchema.parse({
    protocol: 'tcp',
    address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    port: 80,
    scheduler: i % 2 ? 'wrr' : 'wlc',
    realServers: [{ address: `192.168.${i % 250}.2` }],
    ...over,
  } as VirtualServiceInput);

describe('ServiceSearch', () => {
  const rows = Array.from({ length: 600 }, (_, i) => ({ s: i === 7 ? svc(i, { protocol: 'udp' } as Partial<VirtualServiceInput>) : svc(i), broken: i % 100 === 0 }));
  const broken = (r: (typeof rows)[number]) => r.broken;
  const search = () => new ServiceSearch(rows);
  const all = { q: '', proto: 'all', problemsOnly: false };

  it('matches VIPs, real servers and schedulers', () => {
    const s = search();
    expect(s.filter({ ...all, q: '10.0.1.1:80' }, broken).map((r) => r.s)).toEqual([rows[250]!.s]);
    expect(s.filter({ ...all, q: '192.168.3.2' }, broken)).toHaveLength(3); // rows 3, 253, 503
    expect(s.filter({ ...all, q: 'WRR' }, broken)).toHaveLength(300);
  });

  it('narrows incrementally and widens again to the same answers as a fresh search', () => {
    const s = search();
    for (const q of ['1', '10.0.1', '10.0.1.2', '10.0.1', '', '10.0.2.1']) expect(s.filter({ ...all, q }, broken)).toEqual(search().filter({ ...all, q }, broken));
  });

  it('applies protocol and problem filters with the query', () => {
    const s = search();
    expect(s.filter({ ...all, proto: 'udp' }, broken).map((r) => r.s.protocol)).toEqual(['udp']);
    expect(s.filter({ ...all, problemsOnly: true }, broken)).toHaveLength(6);
    expect(s.filter({ q: '10.0.0', proto: 'all', problemsOnly: true }, broken)).toHaveLength(3); // rows 0, 100, 200
    expect(s.filter({ q: '10.0.0.1:', proto: 'all', problemsOnly: true }, broken)).toHaveLength(1);
  });

  it('indexes in slices until its deadline, and a query indexes the rest', () => {
    const s = search();
    let slices = 0;
    expect(s.indexSome(() => ++slices >= 2)).toBe(false); // two slices, then out of time
    expect(s.filter({ ...all, q: '192.168.3.2' }, broken)).toHaveLength(3); // row 503 was not indexed yet
    expect(s.indexSome(() => true)).toBe(true);
  });

  it('asks the new problem test when director reports change, without indexing again', () => {
    const s = search();
    expect(s.filter({ ...all, problemsOnly: true }, broken)).toHaveLength(6);
    expect(s.filter({ ...all, problemsOnly: true }, (r) => r.broken && r.s.protocol === 'udp')).toHaveLength(0);
    expect(s.filter({ ...all, problemsOnly: true }, () => true)).toHaveLength(600);
  });
});
