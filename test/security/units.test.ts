// Issue 11, the parts that need no server: the trusted-proxy rules of the client address, the
// agent's event-stream bounds, and the setting that names the proxies.
import { afterEach, describe, expect, it } from 'vitest';
import { clientAddress, PEER_HEADER, PEER_MARK, requestOrigin } from '@/lib/server/client-address';
import { parseSettings, SettingsError } from '@/lib/server/settings';
import { SseLimitError, SseParser } from '@/agent/sse';

const req = (peer: string, headers: Record<string, string> = {}) => new Request('http://console.test/api/v1/health', { headers: { host: 'console.test', [PEER_HEADER]: peer, ...headers } });

describe('client address (#2)', () => {
  afterEach(() => {
    delete process.env.LVS_TRUSTED_PROXIES;
    process.env[PEER_MARK] = '1';
  });

  it('is the socket peer unless the peer is a trusted proxy', () => {
    process.env[PEER_MARK] = '1';
    const forged = { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
    expect(clientAddress(req('::ffff:192.0.2.7', forged))).toBe('192.0.2.7');
    expect(requestOrigin(req('192.0.2.7', forged))).toEqual({ host: 'console.test', proto: 'http' });
    process.env.LVS_TRUSTED_PROXIES = '10.0.0.0/8, ::1';
    // through the proxy: the right-most address the proxies did not add themselves
    expect(clientAddress(req('10.1.2.3', { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.9.9.9' }))).toBe('203.0.113.9');
    expect(clientAddress(req('::1', { 'x-forwarded-for': '203.0.113.10' }))).toBe('203.0.113.10');
    expect(requestOrigin(req('10.1.2.3', { 'x-forwarded-host': 'lvs.example.com', 'x-forwarded-proto': 'https' }))).toEqual({ host: 'lvs.example.com', proto: 'https' });
    // a garbled chain names the proxy, never the garbage
    expect(clientAddress(req('10.1.2.3', { 'x-forwarded-for': 'not-an-ip' }))).toBe('10.1.2.3');
    // not from a proxy: still the peer
    expect(clientAddress(req('192.0.2.8', { 'x-forwarded-for': '203.0.113.11' }))).toBe('192.0.2.8');
  });

  it('believes the peer header only where our own server set it', () => {
    delete process.env[PEER_MARK];
    expect(clientAddress(req('192.0.2.9'))).toBeNull();
  });

  it('refuses a bad LVS_TRUSTED_PROXIES at start-up', () => {
    expect(() => parseSettings({ LVS_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(SettingsError);
    expect(() => parseSettings({ LVS_TRUSTED_PROXIES: 'proxy.example' })).toThrow(/LVS_TRUSTED_PROXIES/);
    expect(parseSettings({ LVS_TRUSTED_PROXIES: '10.0.0.0/8,192.168.1.5,fd00::/8' }).LVS_TRUSTED_PROXIES).toBe('10.0.0.0/8,192.168.1.5,fd00::/8');
  });
});

describe('agent event-stream bounds', () => {
  it('cuts off a line that never ends and an event that never ends', () => {
    const events: string[] = [];
    const p = new SseParser((e) => events.push(e.data), { maxLine: 1000, maxEvent: 5000 });
    p.feed('data: ok\n\n');
    expect(events).toEqual(['ok']);
    expect(() => {
      for (let i = 0; i < 100; i++) p.feed('x'.repeat(100));
    }).toThrow(SseLimitError);
    const q = new SseParser(() => undefined, { maxLine: 1000, maxEvent: 5000 });
    expect(() => {
      for (let i = 0; i < 100; i++) q.feed(`data: ${'y'.repeat(500)}\n`);
    }).toThrow(/event larger than/);
  });
});
