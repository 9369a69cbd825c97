import { describe, expect, it } from 'vitest';
import { connEntry } from '@/lib/ipvs/__fixtures__/builders';
import { compileConnFilter } from './conn-filter';

const e = connEntry;

describe('connection filters', () => {
  it('matches address, address:port, CIDR and substring', () => {
    expect(compileConnFilter({ client: '192.168.0.101' })(e({}))).toBe(true);
    expect(compileConnFilter({ client: '192.168.0.102' })(e({}))).toBe(false);
    expect(compileConnFilter({ virtual: '10.0.0.1:80' })(e({}))).toBe(true);
    expect(compileConnFilter({ virtual: '10.0.0.1:443' })(e({}))).toBe(false);
    expect(compileConnFilter({ client: '192.168.0.0/24' })(e({}))).toBe(true);
    expect(compileConnFilter({ client: '192.168.1.0/24' })(e({}))).toBe(false);
    expect(compileConnFilter({ client: '192.168.0.96/28' })(e({}))).toBe(true);
    expect(compileConnFilter({ dest: '168.1.' })(e({}))).toBe(true);
  });

  it('handles IPv6 forms and never matches across families', () => {
    const v6 = e({ clientAddress: '2001:db8::5', virtualAddress: '2001:db8:10::1', destAddress: '2001:db8:20::2' });
    expect(compileConnFilter({ client: '2001:0db8:0:0::5' })(v6)).toBe(true);
    expect(compileConnFilter({ virtual: '[2001:db8:10::1]:80' })(v6)).toBe(true);
    expect(compileConnFilter({ dest: '2001:db8:20::/48' })(v6)).toBe(true);
    expect(compileConnFilter({ dest: '2001:db8:21::/48' })(v6)).toBe(false);
    expect(compileConnFilter({ client: '0.0.0.0/0' })(v6)).toBe(false);
  });

  it('filters on state (any case) and templates', () => {
    const t = e({ clientPort: 0, state: 'NONE', template: true });
    expect(compileConnFilter({ state: 'established' })(e({}))).toBe(true);
    expect(compileConnFilter({ state: 'FIN_WAIT' })(e({}))).toBe(false);
    expect(compileConnFilter({ templates: 'exclude' })(t)).toBe(false);
    expect(compileConnFilter({ templates: 'only' })(t)).toBe(true);
    expect(compileConnFilter({ templates: 'only' })(e({}))).toBe(false);
    expect(compileConnFilter({})(t)).toBe(true);
  });
});
