import { describe, expect, it } from 'vitest';
import { VirtualServiceSchema } from '@/lib/ipvs/model';
import { formFromService, validateForm } from './form';

describe('service editor: keepalived fields survive an edit', () => {
  it('group, sorry server, quorum, every extra check field and per-server checks come back unchanged', () => {
    const svc = VirtualServiceSchema.parse({
      protocol: 'tcp',
      address: '10.0.0.1',
      port: 80,
      group: 'VSG_1',
      sorryServer: { address: '10.0.9.9', port: 8080, forwarding: 'masq', inhibit: true },
      quorum: { minWeight: 3, hysteresis: 1 },
      healthCheck: {
        type: 'http',
        path: '/h',
        statusCodes: '200-299,302',
        moreUrls: [{ path: '/mrtg/', statusCodes: '200', digest: '9b3a0c85a887a256d6939da88aabd8cd' }, { path: '/api?x=1' }],
        digest: '9e107d9d372bb6826bd81d3542a419d6',
        virtualhost: 'www.example.com',
        connectIp: '10.0.0.5',
        retryDelay: 2,
        warmup: 5,
        alpha: true,
      },
      realServers: [
        { address: '10.0.1.1', healthCheck: { type: 'misc', script: 'check.sh', scriptArgs: ['--x=1', 'y'], dynamicWeight: true } },
        { address: '10.0.1.2', healthCheck: { type: 'dns', dnsType: 'AAAA', dnsName: 'example.org' } },
        { address: '10.0.1.3', healthCheck: { type: 'udp', udpPayload: '00ff', udpReply: 'ab' } },
        { address: '10.0.1.4', healthCheck: { type: 'smtp', heloName: 'lb.example.com' } },
        { address: '10.0.1.5' },
      ],
    });
    const r = validateForm(formFromService(svc));
    expect(r.ok && r.service).toEqual(svc);
  });

  it("a bad value in a server's own check is reported at its field", () => {
    const d = formFromService(VirtualServiceSchema.parse({ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1', healthCheck: { type: 'http', path: '/ok' } }] }));
    d.realServers[0]!.healthCheck.path = '/a\n}';
    d.realServers[0]!.healthCheck.more.digest = 'xyz';
    const r = validateForm(d);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path).sort()).toEqual(['realServers.0.healthCheck.digest', 'realServers.0.healthCheck.path']);
  });

  it('more urls are edited one a line, and a bad one is reported at its line', () => {
    const d = formFromService(VirtualServiceSchema.parse({ protocol: 'tcp', address: '10.0.0.1', port: 80, healthCheck: { type: 'http', path: '/' } }));
    d.healthCheck.more.moreUrls = '/a 200-299,302\n\n/b 9B3A0C85A887A256D6939DA88AABD8CD';
    const ok = validateForm(d);
    expect(ok.ok && ok.service.healthCheck?.moreUrls).toEqual([
      { path: '/a', statusCodes: '200-299,302' },
      { path: '/b', statusCodes: '200-299', digest: '9b3a0c85a887a256d6939da88aabd8cd' },
    ]);
    d.healthCheck.more.moreUrls = '/a\nb 999';
    const bad = validateForm(d);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path).sort()).toEqual(['healthCheck.moreUrls.1.path', 'healthCheck.moreUrls.1.statusCodes']);
  });
});
