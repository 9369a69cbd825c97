import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema, VirtualServiceSchema, type DirectorConfig, type RealServerInput, type VirtualServiceInput } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { canonicalJson } from '@/lib/ipvs/hash';
import { configArb } from '@/lib/ipvs/__fixtures__/arbitraries';
import { applyChanges, configChanges, editsToChanges, serviceChanges } from './changes';
import { ChangeSchema } from './schemas';
import { realServers, webService } from '@/lib/ipvs/__fixtures__/builders';

const svc = (over: Partial<VirtualServiceInput> = {}) =>
  VirtualServiceSchema.parse({ ...webService({ scheduler: 'wlc', realServers: realServers([1, 2, 3], '192.168.1.2') }), ...over } as VirtualServiceInput);

const key = { protocol: 'tcp', address: '10.0.0.1', port: 80 };
/** svc() with its second real server (192.168.1.3) changed. */
const withSecond = (over: Partial<RealServerInput>) => svc({ realServers: realServers([1, 2, 3], '192.168.1.2').map((r, i) => (i === 1 ? { ...r, ...over } : r)) });

describe('serviceChanges', () => {
  it('adds and removes whole services', () => {
    const s = svc();
    expect(serviceChanges(null, s)).toEqual([{ op: 'add-service', service: s }]);
    expect(serviceChanges(s, null)).toEqual([{ op: 'remove-service', service: key }]);
    expect(serviceChanges(s, s)).toEqual([]);
  });

  it('patches only the service fields that changed', () => {
    expect(serviceChanges(svc(), svc({ scheduler: 'rr' }))).toEqual([{ op: 'edit-service', service: key, set: { scheduler: 'rr' } }]);
    expect(serviceChanges(svc({ persistence: { timeout: 300 } }), svc())).toEqual([{ op: 'edit-service', service: key, set: { persistence: null } }]);
  });

  it('turns a weight change into one edit-server patch', () => {
    const after = withSecond({ weight: 0 });
    expect(serviceChanges(svc(), after)).toEqual([{ op: 'edit-server', service: key, server: { address: '192.168.1.3', port: 80 }, set: { weight: 0 } }]);
  });

  it('turns a new drain into a graceful remove-server, and a cancelled drain into drain: null', () => {
    const draining = withSecond({ weight: 2, drain: { timeout: 60 } });
    expect(serviceChanges(svc(), draining)).toEqual([{ op: 'remove-server', service: key, server: { address: '192.168.1.3', port: 80 }, drain: { timeout: 60 } }]);
    expect(serviceChanges(draining, svc())).toEqual([{ op: 'edit-server', service: key, server: { address: '192.168.1.3', port: 80 }, set: { drain: null } }]);
  });

  it('adds and removes real servers, and clears tunnel options with null', () => {
    const before = svc({ realServers: [{ address: '192.168.1.2', forwarding: 'tunnel', tunnelType: 'gre' }] });
    const after = svc({ realServers: [{ address: '192.168.1.2', forwarding: 'route' }, { address: '192.168.1.9' }] });
    expect(serviceChanges(before, after)).toEqual([
      { op: 'edit-server', service: key, server: { address: '192.168.1.2', port: 80 }, set: { forwarding: 'route', tunnelType: null, tunnelChecksum: null } },
      { op: 'add-server', service: key, server: after.realServers[1] },
    ]);
    expect(serviceChanges(after, svc({ realServers: [{ address: '192.168.1.9' }] }))).toEqual([{ op: 'remove-server', service: key, server: { address: '192.168.1.2', port: 80 } }]);
  });
});

it('keeps a weight change made together with a new drain', () => {
  const after = withSecond({ weight: 5, drain: { timeout: 60 } });
  const before = svc();
  const server = { address: '192.168.1.3', port: 80 };
  expect(serviceChanges(before, after)).toEqual([
    { op: 'edit-server', service: key, server, set: { weight: 5 } },
    { op: 'remove-server', service: key, server, drain: { timeout: 60 } },
  ]);
  const base = DirectorConfigSchema.parse({ services: [before] });
  expect(applyChanges(base, serviceChanges(before, after)).services[0]!.realServers[1]).toMatchObject({ weight: 5, drain: { timeout: 60 } });
});

describe('edits over a base config', () => {
  const base = DirectorConfigSchema.parse({ services: [svc(), svc({ address: '10.0.0.2' })] });
  it('drops edits that equal the base and keeps the others', () => {
    const s2 = svc({ address: '10.0.0.2', scheduler: 'sh' });
    const added = svc({ protocol: 'udp', address: '10.0.0.3', port: 53 } as Partial<VirtualServiceInput>);
    const edits = { [serviceKeyId(base.services[0]!)]: base.services[0]!, [serviceKeyId(s2)]: s2, [serviceKeyId(added)]: added };
    expect(editsToChanges(base, edits).map((c) => c.op)).toEqual(['edit-service', 'add-service']);
    expect(applyChanges(base, editsToChanges(base, edits)).services).toHaveLength(3);
    expect(applyChanges(base, editsToChanges(base, { [serviceKeyId(s2)]: null })).services).toHaveLength(1);
  });
  it('adds set-globals only when the globals differ', () => {
    expect(editsToChanges(base, {}, base.globals)).toEqual([]);
    const g = { timeouts: { tcp: 900, tcpfin: 120, udp: 300 }, syncDaemons: [] };
    expect(editsToChanges(base, {}, g)).toEqual([{ op: 'set-globals', globals: g }]);
  });
});

/** b, but with its first services moved onto a's keys, so edits of the same service are exercised. */
function sharingKeys(a: DirectorConfig, b: DirectorConfig, take: number): DirectorConfig | null {
  const keyFields = ['protocol', 'address', 'port', 'fwmark', 'family'] as const;
  const services = b.services.map((s, i) => {
    const at = a.services[i];
    if (i >= take || !at) return s;
    const moved: Record<string, unknown> = { ...s };
    for (const f of keyFields) delete moved[f];
    for (const f of keyFields) if (f in at) moved[f] = (at as Record<string, unknown>)[f];
    return moved;
  });
  const r = DirectorConfigSchema.safeParse({ globals: b.globals, services });
  if (!r.success) return null;
  return new Set(r.data.services.map(serviceKeyId)).size === r.data.services.length ? r.data : null;
}

describe('configChanges', () => {
  const roundTrip = (a: DirectorConfig, b: DirectorConfig) => {
    // the changes travel as JSON through the API's schema before they are applied
    const changes = JSON.parse(JSON.stringify(configChanges(a, b))).map((c: unknown) => ChangeSchema.parse(c));
    return applyChanges(a, changes);
  };
  const canon = (c: DirectorConfig) => canonicalJson({ globals: c.globals, services: [...c.services].sort((x, y) => serviceKeyId(x).localeCompare(serviceKeyId(y))) });

  it('applying configChanges(a, b) to a gives b', () => {
    fc.assert(
      fc.property(configArb({ globals: true }), configArb({ globals: true }), fc.nat(5), (a, b0, take) => {
        const b = sharingKeys(a, b0, take);
        fc.pre(b !== null);
        expect(canon(roundTrip(a, b!))).toBe(canon(b!));
      }),
      { numRuns: 300 },
    );
  });

  it('finds no change between a config and itself', () => {
    fc.assert(
      fc.property(configArb({ globals: true }), (a) => {
        expect(configChanges(a, a)).toEqual([]);
      }),
    );
  });
});
