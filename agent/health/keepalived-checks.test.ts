// keepalived's checker semantics in the agent, against local servers: status lists and ranges,
// digest (MD5 of the body), virtualhost, connect_ip, SSL_GET against a self-signed TLS server,
// per-real-server checks, alpha, and retry (fall) / rise with delay_before_retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { DirectorConfigSchema, HealthCheckSchema, type HealthCheckInput } from '@/lib/ipvs/model';
import type { HealthState } from '@/lib/protocol/messages';
import { HealthMonitor, healthKey, nextDelayMs } from './monitor';
import { NetProber, statusAccepted, type Prober, type ProbeTarget } from './probe';

const BODY = 'hello from the backend\n';
const md5 = createHash('md5').update(BODY).digest('hex');
const handler: http.RequestListener = (req, res) => {
  if (req.url === '/ok') res.end(BODY);
  else if (req.url === '/host') res.end(req.headers.host ?? '');
  else if (req.url === '/moved') res.writeHead(302, { Location: '/ok' }).end();
  else res.writeHead(503).end('down');
};
const check = (over: HealthCheckInput) => HealthCheckSchema.parse({ interval: 1, timeout: 2, rise: 1, fall: 1, ...over });

let httpServer: http.Server;
let tlsServer: https.Server;
let httpPort = 0;
let tlsPort = 0;
let tmp = '';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-tls-'));
  const key = path.join(tmp, 'key.pem');
  const cert = path.join(tmp, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=backend.test'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  httpServer = http.createServer(handler);
  tlsServer = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler);
  await new Promise<void>((res) => httpServer.listen(0, '127.0.0.1', res));
  await new Promise<void>((res) => tlsServer.listen(0, '127.0.0.1', res));
  httpPort = (httpServer.address() as net.AddressInfo).port;
  tlsPort = (tlsServer.address() as net.AddressInfo).port;
});
afterAll(async () => {
  httpServer.closeAllConnections();
  tlsServer.closeAllConnections();
  await new Promise((r) => httpServer.close(r));
  await new Promise((r) => tlsServer.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('keepalived checks against local servers', () => {
  const p = new NetProber();
  const probe = (over: HealthCheckInput, port = httpPort, address = '127.0.0.1') => p.probe({ address, port, check: check(over) });

  it('status_code lists and ranges (keepalived accepts any 2xx by default)', async () => {
    expect(statusAccepted({ expectStatus: 200, statusCodes: '200-299,302' }, 302)).toBe(true);
    expect(statusAccepted({ expectStatus: 200, statusCodes: '200-299,302' }, 301)).toBe(false);
    expect((await probe({ type: 'http', path: '/moved', statusCodes: '200-299,301-302' })).ok).toBe(true);
    expect(await probe({ type: 'http', path: '/moved', statusCodes: '200-299' })).toEqual({ ok: false, reason: 'HTTP 302 (expected 200-299)' });
    expect((await probe({ type: 'http', path: '/down', statusCodes: '500-599' })).ok).toBe(true);
  });

  it('digest: the MD5 of the body', async () => {
    expect((await probe({ type: 'http', path: '/ok', digest: md5.toUpperCase() })).ok).toBe(true);
    const bad = await probe({ type: 'http', path: '/ok', digest: '0'.repeat(32) });
    expect(bad.ok).toBe(false);
    expect(bad.reason).toContain(`body MD5 ${md5}`);
  });

  it('several url blocks: every url is fetched, each with its own path, statuses and digest; one failing url fails the check', async () => {
    const seen: string[] = [];
    const counting = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      handler(req, res);
    });
    await new Promise<void>((res) => counting.listen(0, '127.0.0.1', res));
    const port = (counting.address() as net.AddressInfo).port;
    try {
      const urls = [
        { path: '/moved', statusCodes: '301-302' },
        { path: '/ok', digest: md5 },
      ];
      const ok = await probe({ type: 'http', path: '/ok', moreUrls: urls }, port);
      expect(ok.ok).toBe(true);
      expect(ok.reason).toContain('3 urls');
      expect(seen).toEqual(['/ok', '/moved', '/ok']);
      const bad = await probe({ type: 'http', path: '/ok', moreUrls: [urls[0]!, { path: '/ok', digest: '0'.repeat(32) }] }, port);
      expect(bad.ok).toBe(false);
      expect(bad.reason).toMatch(/^url 3 \/ok: HTTP 200 but body MD5 /);
      // a url without status_code accepts any 2xx, so /moved (302) fails it
      const moved = await probe({ type: 'https', path: '/ok', moreUrls: [{ path: '/moved' }] }, tlsPort);
      expect(moved).toEqual({ ok: false, reason: 'url 2 /moved: HTTP 302 (expected 200-299)' });
    } finally {
      counting.closeAllConnections();
      await new Promise((r) => counting.close(r));
    }
  });

  it('virtualhost is the Host header; connect_ip probes another address', async () => {
    expect((await probe({ type: 'http', path: '/host', bodyMatch: 'www.example.com:8080', virtualhost: 'www.example.com:8080' })).ok).toBe(true);
    // the real server address is unreachable (TEST-NET-1); connect_ip sends the probe to loopback
    expect((await probe({ type: 'tcp', connectIp: '127.0.0.1' }, httpPort, '192.0.2.1')).ok).toBe(true);
  });

  it('SSL_GET against a self-signed certificate, with a digest', async () => {
    expect((await probe({ type: 'https', path: '/ok', digest: md5 }, tlsPort)).ok).toBe(true);
    expect((await probe({ type: 'https', path: '/nope', expectStatus: 200 }, tlsPort)).reason).toBe('HTTP 503 (expected 200)');
  });
});

class Scripted implements Prober {
  up = new Map<string, boolean>();
  async probe(t: ProbeTarget) {
    const ok = this.up.get(t.address) ?? true;
    return { ok, reason: ok ? 'ok' : 'refused' };
  }
}

describe('keepalived semantics in the monitor', () => {
  const config = (rs2Check?: HealthCheckInput) =>
    DirectorConfigSchema.parse({
      services: [
        {
          protocol: 'tcp',
          address: '10.0.0.1',
          port: 80,
          healthCheck: { type: 'tcp', interval: 60, fall: 2, rise: 1, retryDelay: 1 },
          realServers: [{ address: '10.0.1.1' }, { address: '10.0.1.2', ...(rs2Check ? { healthCheck: rs2Check } : {}) }, { address: '10.0.1.3' }],
        },
      ],
    });
  const key = (a: string) => healthKey({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { address: a, port: 80 });

  it('retry N = down after N + 1 failures; back after one good check (rise 1); a server may carry its own check', async () => {
    const prober = new Scripted();
    const transitions: HealthState[] = [];
    const m = new HealthMonitor({ prober, onTransition: (s) => transitions.push(s), firstProbeDelayMs: () => 3_600_000 });
    m.update(config({ type: 'tcp', fall: 1, rise: 3 }));
    prober.up.set('10.0.1.1', false).set('10.0.1.2', false);
    await m.probeAll();
    expect([...m.unhealthy()]).toEqual([key('10.0.1.2')]); // its own check: fall 1
    await m.probeAll();
    expect([...m.unhealthy()].sort()).toEqual([key('10.0.1.1'), key('10.0.1.2')].sort());
    prober.up.clear();
    await m.probeAll();
    expect([...m.unhealthy()]).toEqual([key('10.0.1.2')]); // rise 1 for .1; .2 needs 3
    await m.probeAll();
    await m.probeAll();
    expect(m.unhealthy().size).toBe(0);
    expect(transitions.map((t) => `${t.server.address} ${t.healthy}`)).toEqual(['10.0.1.2 false', '10.0.1.1 false', '10.0.1.1 true', '10.0.1.2 true']);
    m.stop();
  });

  it('delay_before_retry: a failing server still judged healthy is re-checked sooner, until fall', () => {
    const c = check({ type: 'tcp', interval: 60, retryDelay: 2, fall: 3 });
    expect(nextDelayMs({ healthy: true, failures: 0, check: c })).toBe(60_000);
    expect(nextDelayMs({ healthy: true, failures: 1, check: c })).toBe(2_000);
    expect(nextDelayMs({ healthy: true, failures: 2, check: c })).toBe(2_000);
    expect(nextDelayMs({ healthy: false, failures: 3, check: c })).toBe(60_000);
  });

  it('alpha: a new server starts failed until its first good check', async () => {
    const prober = new Scripted();
    const m = new HealthMonitor({ prober, onTransition: () => {}, firstProbeDelayMs: () => 3_600_000 });
    m.update(config({ type: 'tcp', alpha: true, rise: 1 }));
    expect([...m.unhealthy()]).toEqual([key('10.0.1.2')]);
    await m.probeAll();
    expect(m.unhealthy().size).toBe(0);
    m.stop();
  });
});
