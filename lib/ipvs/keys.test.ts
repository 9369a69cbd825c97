import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRealServerKeyId, parseServerKeyId, parseServiceKeyId, realServerKeyId, serverKeyId, serviceKeyId, splitServerKeyId } from './keys';

describe('service and real server ids', () => {
  it('print and parse back', () => {
    expect(parseServiceKeyId(serviceKeyId({ protocol: 'udp', address: '2001:db8::1', port: 53 }))).toEqual({ protocol: 'udp', address: '2001:db8::1', port: 53 });
    expect(parseServiceKeyId('fwmark|inet6|3')).toEqual({ protocol: 'fwmark', fwmark: 3, family: 'inet6' });
    expect(parseRealServerKeyId(realServerKeyId({ address: '10.0.1.1' }))).toEqual({ address: '10.0.1.1', port: 0 });
    const id = serverKeyId({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { address: '10.0.1.1', port: 8080 });
    expect(id).toBe('tcp|10.0.0.1|80#10.0.1.1|8080');
    expect(splitServerKeyId(id)).toEqual({ service: 'tcp|10.0.0.1|80', server: '10.0.1.1|8080' });
    expect(parseServerKeyId(id)?.server).toEqual({ address: '10.0.1.1', port: 8080 });
  });
  it('refuse what is not an id', () => {
    for (const bad of ['', 'tcp|10.0.0.1', 'icmp|10.0.0.1|80', 'tcp|host|80', 'tcp|10.0.0.1|65536', 'fwmark|inet|0', 'fwmark|ipx|1', 'tcp|10.0.0.1|80|x']) expect(parseServiceKeyId(bad)).toBeNull();
    for (const bad of ['10.0.0.1', '10.0.0.1|-1', 'x|1', '10.0.0.1|1|2']) expect(parseRealServerKeyId(bad)).toBeNull();
    expect(splitServerKeyId('a#b#c')).toBeNull();
    expect(parseServerKeyId('tcp|10.0.0.1|80')).toBeNull();
  });
  it('round-trip any IPv4 service and server', () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    fc.assert(
      fc.property(fc.constantFrom('tcp', 'udp', 'sctp' as const), ip, fc.nat(65535), ip, fc.nat(65535), (protocol, a, p, ra, rp) => {
        const id = serverKeyId({ protocol, address: a, port: p }, { address: ra, port: rp });
        expect(parseServerKeyId(id)).toEqual({ service: { protocol, address: a, port: p }, server: { address: ra, port: rp } });
      }),
    );
  });
});
