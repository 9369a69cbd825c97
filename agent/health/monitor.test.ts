import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { DirectorConfigSchema, type DirectorConfigInput } from '@/lib/ipvs/model';
import type { HealthState } from '@/lib/protocol/messages';
import { HealthMonitor, healthKey, notChecked } from './monitor';
import { NetProber, type Prober, type ProbeTarget } from './probe';
import { realServers, webService } from '@/lib/ipvs/__fixtures__/builders';

const cfg = (onFailure: 'quiesce' | 'remove', extra: Partial<DirectorConfigInput> = {}) =>
  DirectorConfigSchema.parse({
    services: [
      webService({ healthCheck: { type: 'tcp', interval: 1, timeout: 1, rise: 2, fall: 3, onFailure }, realServers: realServers([5, 7]) }),
      { protocol: 'tcp', address: '10.0.0.2', port: 80, realServers: [{ address: '10.0.1.1' }] },
    ],
    ...extra,
  });

class ScriptedProber implements Prober {
  up = new Map<string, boolean>();
  calls: ProbeTarget[] = [];
  async probe(t: ProbeTarget) {
    this.calls.push(t);
    const ok = this.up.get(t.address) ?? true;
    return { ok, reason: ok ? 'ok' : 'connect ECONNREFUSED' };
  }
}

describe('HealthMonitor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies fall and rise hysteresis and reports each transition once, with time and reason', async () => {
    const prober = new ScriptedProber();
    const transitions: HealthState[] = [];
    const m = new HealthMonitor({ prober, onTransition: (s) => transitions.push(s), firstProbeDelayMs: () => 0 });
    const config = cfg('quiesce');
    m.update(config);
    await vi.advanceTimersByTimeAsync(0);
    expect(prober.calls.map((c) => c.address).sort()).toEqual(['10.0.1.1', '10.0.1.2']); // only the service with a check
    prober.up.set('10.0.1.2', false);
    await vi.advanceTimersByTimeAsync(2000); // 2 failures: fall is 3
    expect(transitions).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ healthy: false, server: { address: '10.0.1.2', port: 80 } });
    expect(transitions[0]!.reason).toMatch(/3 consecutive failed tcp checks: connect ECONNREFUSED/);
    expect(m.unhealthy()).toEqual(new Set([healthKey({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { address: '10.0.1.2', port: 80 })]));
    await vi.advanceTimersByTimeAsync(5000); // still failing: no new transition
    expect(transitions).toHaveLength(1);
    prober.up.set('10.0.1.2', true);
    await vi.advanceTimersByTimeAsync(1000); // 1 success: rise is 2
    expect(transitions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(transitions).toHaveLength(2);
    expect(transitions[1]).toMatchObject({ healthy: true });
    expect(m.unhealthy().size).toBe(0);
    m.stop();
  });

  it('keeps a remembered verdict across restarts and stops probing removed servers', async () => {
    const prober = new ScriptedProber();
    const key = { service: { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 }, server: { address: '10.0.1.1', port: 80 } };
    const seed: HealthState[] = [{ ...key, healthy: false, reason: 'HTTP 503', since: new Date(0).toISOString(), lastCheck: new Date(0).toISOString() }];
    const m = new HealthMonitor({ prober, onTransition: () => {}, seed, firstProbeDelayMs: () => 0 });
    m.update(cfg('quiesce'));
    expect(m.unhealthy().size).toBe(1);
    expect(m.states().find((s) => s.server.address === '10.0.1.1')).toMatchObject({ healthy: false, reason: 'HTTP 503' });
    m.update(cfg('quiesce', { services: [] }));
    prober.calls = [];
    await vi.advanceTimersByTimeAsync(5000);
    expect(prober.calls).toHaveLength(0);
    expect(m.states()).toHaveLength(0);
    m.stop();
  });

  it('names fwmark real servers it cannot probe', () => {
    const c = DirectorConfigSchema.parse({ services: [{ protocol: 'fwmark', fwmark: 3, healthCheck: { type: 'tcp' }, realServers: [{ address: '10.0.1.1' }] }] });
    expect(notChecked(c)).toEqual(['FWM 3 -> 10.0.1.1:0: port 0, set healthCheck.port']);
  });
});

describe('NetProber', () => {
  let server: http.Server;
  let port = 0;
  beforeEach(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ok') res.end('all systems go');
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 3000);
      else res.writeHead(503).end('down');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const check = (over: object) => ({ type: 'http' as const, path: '/ok', expectStatus: 200, interval: 1, timeout: 1, rise: 1, fall: 1, onFailure: 'quiesce' as const, ...over });

  it('checks TCP connect, HTTP status, body match and timeouts against a real socket', async () => {
    const p = new NetProber();
    expect((await p.probe({ address: '127.0.0.1', port, check: check({ type: 'tcp' }) })).ok).toBe(true);
    expect((await p.probe({ address: '127.0.0.1', port, check: check({}) })).ok).toBe(true);
    expect(await p.probe({ address: '127.0.0.1', port, check: check({ path: '/nope' }) })).toEqual({ ok: false, reason: 'HTTP 503 (expected 200)' });
    expect((await p.probe({ address: '127.0.0.1', port, check: check({ bodyMatch: 'systems go' }) })).ok).toBe(true);
    expect((await p.probe({ address: '127.0.0.1', port, check: check({ bodyMatch: 'nope' }) })).reason).toMatch(/body does not contain "nope"/);
    expect(await p.probe({ address: '127.0.0.1', port, check: check({ path: '/slow' }) })).toEqual({ ok: false, reason: 'timeout after 1 s' });
    // a port nobody listens on
    const closed = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p2 = (s.address() as net.AddressInfo).port;
        s.close(() => r(p2));
      });
    });
    expect(await p.probe({ address: '127.0.0.1', port: closed, check: check({ type: 'tcp' }) })).toEqual({ ok: false, reason: 'connect ECONNREFUSED' });
  });
});
