import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema, VirtualServiceSchema, type VirtualServiceInput } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { applyEdits, editsToChanges, serviceChanges } from './changeset';

const svc = (over: Partial<VirtualServiceInput> = {}) =>
  VirtualServiceSchema.parse({
    protocol: 'tcp',
    address: '10.0.0.1',
    port: 80,
    scheduler: 'wlc',
    realServers: [
      { address: '192.168.1.2', weight: 1 },
      { address: '192.168.1.3', weight: 2 },
      { address: '192.168.1.4', weight: 3 },
    ],
    ...over,
  } as VirtualServiceInput);

const key = { protocol: 'tcp', address: '10.0.0.1', port: 80 };

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
    const after = svc({ realServers: [{ address: '192.168.1.2', weight: 1 }, { address: '192.168.1.3', weight: 0 }, { address: '192.168.1.4', weight: 3 }] });
    expect(serviceChanges(svc(), after)).toEqual([{ op: 'edit-server', service: key, server: { address: '192.168.1.3', port: 80 }, set: { weight: 0 } }]);
  });

  it('turns a new drain into a graceful remove-server, and a cancelled drain into drain: null', () => {
    const draining = svc({ realServers: [{ address: '192.168.1.2', weight: 1 }, { address: '192.168.1.3', weight: 2, drain: { timeout: 60 } }, { address: '192.168.1.4', weight: 3 }] });
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
    expect(serviceChanges(after, svc({ realServers: [{ address: '192.168.1.9' }] }))).toEqual([
      { op: 'remove-server', service: key, server: { address: '192.168.1.2', port: 80 } },
    ]);
  });
});

describe('edits over a base config', () => {
  const base = DirectorConfigSchema.parse({ services: [svc(), svc({ address: '10.0.0.2' })] });
  it('drops edits that equal the base and keeps the others', () => {
    const s2 = svc({ address: '10.0.0.2', scheduler: 'sh' });
    const added = svc({ protocol: 'udp', address: '10.0.0.3', port: 53 } as Partial<VirtualServiceInput>);
    const edits = { [serviceKeyId(base.services[0]!)]: base.services[0]!, [serviceKeyId(s2)]: s2, [serviceKeyId(added)]: added };
    expect(editsToChanges(base, edits).map((c) => c.op)).toEqual(['edit-service', 'add-service']);
    expect(applyEdits(base, edits)).toHaveLength(3);
    expect(applyEdits(base, { [serviceKeyId(s2)]: null })).toHaveLength(1);
  });
  it('adds set-globals only when the globals differ', () => {
    expect(editsToChanges(base, {}, base.globals)).toEqual([]);
    const g = { timeouts: { tcp: 900, tcpfin: 120, udp: 300 }, syncDaemons: [] };
    expect(editsToChanges(base, {}, g)).toEqual([{ op: 'set-globals', globals: g }]);
  });
});
