import { describe, expect, it } from 'vitest';
import { VirtualServiceSchema } from '@/lib/ipvs/model';
import { formFromService, emptyServiceForm, emptyRealServer, renameFlags, toggleQuiesce, validateForm, type ServiceForm } from './form';

const base = (): ServiceForm => ({
  ...emptyServiceForm(),
  address: '10.0.0.1',
  port: '80',
  realServers: [emptyRealServer({ address: '192.168.1.2' }), emptyRealServer({ address: '192.168.1.3', weight: '3' })],
});

describe('validateForm', () => {
  it('accepts a plain TCP service and fills the model defaults', () => {
    const r = validateForm(base());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.service).toMatchObject({ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wlc', onePacket: false });
    expect(r.service.realServers.map((s) => [s.address, s.port, s.weight, s.forwarding])).toEqual([
      ['192.168.1.2', 80, 1, 'route'],
      ['192.168.1.3', 80, 3, 'route'],
    ]);
  });

  it('reports a bad weight at the row and field that hold it', () => {
    const d = base();
    d.realServers[1]!.weight = 'ten';
    const r = validateForm(d);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toContainEqual({ path: 'realServers.1.weight', message: 'weight must be a whole number' });
  });

  it('names the kernel rule for a lower threshold above the upper one', () => {
    const d = base();
    d.realServers[0]!.lowerThreshold = '10';
    d.realServers[0]!.upperThreshold = '5';
    const r = validateForm(d);
    expect(!r.ok && r.issues.find((i) => i.path === 'realServers.0.lowerThreshold')?.message).toMatch(/must not exceed the upper threshold/);
  });

  it('refuses port remapping with direct routing but accepts it with NAT', () => {
    const d = base();
    d.realServers[0]!.port = '8080';
    let r = validateForm(d);
    expect(!r.ok && r.issues.map((i) => i.path)).toContain('realServers.0.port');
    d.realServers[0]!.forwarding = 'masq';
    r = validateForm(d);
    expect(r.ok).toBe(true);
  });

  it('blank address and port are errors at those fields', () => {
    const d = { ...base(), address: '', port: '' };
    const r = validateForm(d);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('address');
    expect(paths).toContain('port');
  });

  it('builds fwmark services with persistence, mask and one-packet', () => {
    const d: ServiceForm = { ...base(), protocol: 'fwmark', fwmark: '10', persistent: true, persistenceTimeout: '300', netmask: '255.255.255.0', onePacket: true };
    d.realServers = [emptyRealServer({ address: '192.168.1.2' })];
    const r = validateForm(d);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.service).toMatchObject({ protocol: 'fwmark', fwmark: 10, family: 'inet', persistence: { timeout: 300, netmask: '255.255.255.0' }, onePacket: true });
    expect(r.service.realServers[0]!.port).toBe(0);
  });

  it('one-packet scheduling on TCP is refused at onePacket', () => {
    const r = validateForm({ ...base(), onePacket: true });
    expect(!r.ok && r.issues.map((i) => i.path)).toContain('onePacket');
  });

  it('only sends tunnel options for tunnel forwarding and checks gue needs a port', () => {
    const d = base();
    d.realServers[0] = { ...d.realServers[0]!, forwarding: 'tunnel', tunnelType: 'gue' };
    let r = validateForm(d);
    expect(!r.ok && r.issues.map((i) => i.path)).toContain('realServers.0.tunnelPort');
    d.realServers[0]!.tunnelPort = '6080';
    r = validateForm(d);
    expect(r.ok && r.service.realServers[0]).toMatchObject({ tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'nocsum' });
    // switching back to route drops the hidden tunnel fields instead of failing on them
    d.realServers[0]!.forwarding = 'route';
    expect(validateForm(d).ok).toBe(true);
  });

  it('carries drain and health checks', () => {
    const d = base();
    d.realServers[0]!.drain = true;
    d.realServers[0]!.drainTimeout = '120';
    d.healthCheck = { ...d.healthCheck, enabled: true, type: 'http', path: '/healthz', expectStatus: '204' };
    const r = validateForm(d);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.service.realServers[0]!.drain).toEqual({ timeout: 120 });
    expect(r.service.healthCheck).toMatchObject({ type: 'http', path: '/healthz', expectStatus: 204, interval: 5, rise: 2, fall: 3 });
  });
});

describe('round trip', () => {
  it('formFromService → validateForm gives the same service', () => {
    const s = VirtualServiceSchema.parse({
      protocol: 'udp',
      address: '2001:db8::1',
      port: 53,
      scheduler: 'sh',
      schedFlags: ['sh-port'],
      persistence: { timeout: 600, netmask: '64' },
      realServers: [
        { address: '2001:db8::a', forwarding: 'masq', port: 5353, weight: 0, upperThreshold: 100, lowerThreshold: 50 },
        { address: '10.0.0.9', forwarding: 'tunnel', tunnelType: 'gre', tunnelChecksum: 'csum', drain: { timeout: 60 } },
      ],
      healthCheck: { type: 'tcp', port: 53 },
    });
    const r = validateForm(formFromService(s));
    expect(r.ok && r.service).toEqual(s);
  });
});

describe('helpers', () => {
  it('renameFlags keeps the bits across schedulers', () => {
    expect(renameFlags(['sh-fallback', 'sh-port'], 'mh')).toEqual(['mh-fallback', 'mh-port']);
    expect(renameFlags(['mh-port'], 'wlc')).toEqual(['flag-2']);
    expect(renameFlags(['flag-1', 'flag-3'], 'sh')).toEqual(['sh-fallback', 'flag-3']);
  });
  it('toggleQuiesce sets weight 0 and restores the previous weight', () => {
    const r = emptyRealServer({ address: '10.0.0.2', weight: '5' });
    const q = toggleQuiesce(r);
    expect(q.weight).toBe('0');
    expect(toggleQuiesce(q).weight).toBe('5');
  });
});
