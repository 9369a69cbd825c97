// One health probe of one real server: TCP connect, or an HTTP/HTTPS GET with an expected status
// and an optional body match. The sim engine answers probes itself (SimProber).
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import type { HealthCheck } from '@/lib/ipvs/model';
import { formatHostPort } from '@/lib/ipvs/addr';

export interface ProbeTarget {
  address: string;
  port: number;
  check: HealthCheck;
}

export interface ProbeResult {
  ok: boolean;
  /** Short, human: "ok (3 ms)", "connect ECONNREFUSED", "HTTP 503 (expected 200)", "timeout after 2 s". */
  reason: string;
}

export interface Prober {
  probe(target: ProbeTarget): Promise<ProbeResult>;
}

/** The largest body read when looking for bodyMatch; keepalived's HTTP_GET reads a bounded amount too. */
const MAX_BODY = 64 * 1024;

export class NetProber implements Prober {
  probe(t: ProbeTarget): Promise<ProbeResult> {
    const port = t.check.port ?? t.port;
    return t.check.type === 'tcp' ? tcpProbe(t.address, port, t.check.timeout * 1000) : httpProbe(t, port);
  }
}

function errReason(prefix: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return `${prefix} ${err.code ?? err.message}`;
}

function tcpProbe(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `connect timeout after ${timeoutMs / 1000} s` }), timeoutMs);
    sock.once('connect', () => done({ ok: true, reason: `ok (${Date.now() - started} ms)` }));
    sock.once('error', (e) => done({ ok: false, reason: errReason('connect', e) }));
  });
}

function httpProbe(t: ProbeTarget, port: number): Promise<ProbeResult> {
  const { check } = t;
  const started = Date.now();
  const timeoutMs = check.timeout * 1000;
  const mod = check.type === 'https' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = mod.request({
      host: t.address,
      port,
      method: 'GET',
      path: check.path,
      headers: { Host: formatHostPort(t.address, port), 'User-Agent': 'lvs-agent-healthcheck', Connection: 'close' },
      // Backends behind a director are addressed by IP; their certificates rarely name it. The
      // check is about liveness, as keepalived's SSL_GET, not about the backend's identity.
      ...(check.type === 'https' ? { rejectUnauthorized: false, servername: net.isIP(t.address) ? undefined : t.address } : {}),
      agent: false,
    });
    const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${check.timeout} s` }), timeoutMs);
    req.once('error', (e) => finish({ ok: false, reason: errReason(check.type.toUpperCase(), e) }));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== check.expectStatus) {
        res.resume();
        return finish({ ok: false, reason: `HTTP ${status} (expected ${check.expectStatus})` });
      }
      if (check.bodyMatch === undefined) {
        res.resume();
        return finish({ ok: true, reason: `ok HTTP ${status} (${Date.now() - started} ms)` });
      }
      const needle = check.bodyMatch;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.includes(needle)) finish({ ok: true, reason: `ok HTTP ${status}, body matched (${Date.now() - started} ms)` });
        else if (body.length > MAX_BODY) finish({ ok: false, reason: `HTTP ${status} but body does not contain ${JSON.stringify(needle)} (first ${MAX_BODY} bytes)` });
      });
      res.once('end', () => finish({ ok: false, reason: `HTTP ${status} but body does not contain ${JSON.stringify(needle)}` }));
      res.once('error', (e) => finish({ ok: false, reason: errReason('HTTP body', e) }));
    });
    req.end();
  });
}

/** The simulated director's backends answer probes through the sim engine. */
export class SimProber implements Prober {
  constructor(private readonly sim: { probeBackend(address: string, port: number): { ok: boolean; reason: string } | Promise<{ ok: boolean; reason: string }> }) {}
  async probe(t: ProbeTarget): Promise<ProbeResult> {
    const r = await this.sim.probeBackend(t.address, t.check.port ?? t.port);
    return { ok: r.ok, reason: r.reason };
  }
}
