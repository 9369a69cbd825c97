// One health probe of one real server: TCP connect, or an HTTP/HTTPS GET with an expected status
// and an optional body match. The sim engine answers probes itself (SimProber).
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { HealthCheck, HttpUrl } from '@/lib/ipvs/model';
import { formatHostPort } from '@/lib/ipvs/addr';
import type { CheckContext, CheckRun } from './checkers/types';
import { dnsCheck } from './checkers/dns';
import { udpCheck } from './checkers/udp';
import { pingCheck } from './checkers/ping';
import { smtpCheck } from './checkers/smtp';
import { miscCheck } from './checkers/misc';

export interface ProbeTarget {
  address: string;
  port: number;
  check: HealthCheck;
}

export interface ProbeResult {
  /** MISC_CHECK misc_dynamic: the weight the script asked for */
  weight?: number;
  ok: boolean;
  /** Short, human: "ok (3 ms)", "connect ECONNREFUSED", "HTTP 503 (expected 200)", "timeout after 2 s". */
  reason: string;
}

export interface Prober {
  probe(target: ProbeTarget): Promise<ProbeResult>;
}

/** The largest body read when looking for bodyMatch; keepalived's HTTP_GET reads a bounded amount too. */
const MAX_BODY = 64 * 1024;

/** The largest body hashed for a digest check. */
const MAX_DIGEST_BODY = 4 * 1024 * 1024;

/** Where a director keeps its MISC_CHECK scripts unless --checks-dir says otherwise. */
export const DEFAULT_CHECKS_DIR = '/etc/lvs-agent/checks';

const CHECKERS: Record<HealthCheck['type'], CheckRun> = {
  tcp: (t) => tcpProbe(t.address, t.port, t.check.timeout * 1000, t.check.bindTo),
  http: httpUrls,
  https: httpUrls,
  dns: dnsCheck,
  udp: udpCheck,
  ping: pingCheck,
  smtp: smtpCheck,
  misc: miscCheck,
};

export class NetProber implements Prober {
  private readonly ctx: CheckContext;
  constructor(opts: { checksDir?: string } = {}) {
    this.ctx = { checksDir: opts.checksDir ?? DEFAULT_CHECKS_DIR };
  }
  probe(t: ProbeTarget): Promise<ProbeResult> {
    // keepalived's connect_ip / connect_port: probe another address or port
    return CHECKERS[t.check.type]({ address: t.check.connectIp ?? t.address, port: t.check.port ?? t.port, check: t.check }, this.ctx);
  }
}

/** Is `status` accepted: one of keepalived's status_code list and ranges ("200-299,302"), else expectStatus. */
export function statusAccepted(check: Pick<HealthCheck, 'expectStatus' | 'statusCodes'>, status: number): boolean {
  if (!check.statusCodes) return status === check.expectStatus;
  return check.statusCodes.split(',').some((part) => {
    const [lo, hi = lo] = part.split('-').map(Number);
    return status >= lo! && status <= hi!;
  });
}

function errReason(prefix: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return `${prefix} ${err.code ?? err.message}`;
}

function tcpProbe(address: string, port: number, timeoutMs: number, localAddress?: string): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port, ...(localAddress ? { localAddress } : {}) });
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

/** What one GET checks: the check's own url, or one of its moreUrls (keepalived's further url blocks). */
type UrlCheck = Pick<HealthCheck, 'path' | 'digest' | 'expectStatus' | 'statusCodes' | 'bodyMatch'>;

/** keepalived's HTTP_GET / SSL_GET: every url in turn, each its own GET; the first that fails fails the check. */
async function httpUrls(t: { address: string; port: number; check: HealthCheck }): Promise<ProbeResult> {
  const urls: UrlCheck[] = [t.check, ...(t.check.moreUrls ?? []).map((u: HttpUrl) => ({ ...u, expectStatus: 200 }))];
  let last: ProbeResult = { ok: false, reason: 'no url' };
  for (const [i, url] of urls.entries()) {
    last = await httpProbe(t, t.port, url);
    if (!last.ok) return urls.length > 1 ? { ok: false, reason: `url ${i + 1} ${url.path}: ${last.reason}` } : last;
  }
  return urls.length > 1 ? { ok: true, reason: `${last.reason}, ${urls.length} urls` } : last;
}

function httpProbe(t: { address: string; check: HealthCheck }, port: number, url: UrlCheck): Promise<ProbeResult> {
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
      path: url.path,
      headers: { Host: check.virtualhost ?? formatHostPort(t.address, port), 'User-Agent': 'lvs-agent-healthcheck', Connection: 'close' },
      ...(check.bindTo ? { localAddress: check.bindTo } : {}),
      // Backends behind a director are addressed by IP; their certificates rarely name it. The
      // check is about liveness, as keepalived's SSL_GET, not about the backend's identity.
      ...(check.type === 'https' ? { rejectUnauthorized: false, servername: check.virtualhost ? check.virtualhost.replace(/:\d+$/, '') : net.isIP(t.address) ? undefined : t.address } : {}),
      agent: false,
    });
    const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${check.timeout} s` }), timeoutMs);
    req.once('error', (e) => finish({ ok: false, reason: errReason(check.type.toUpperCase(), e) }));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const expected = url.statusCodes ?? String(url.expectStatus);
      if (!statusAccepted(url, status)) {
        res.resume();
        return finish({ ok: false, reason: `HTTP ${status} (expected ${expected})` });
      }
      if (url.bodyMatch === undefined && url.digest === undefined) {
        res.resume();
        return finish({ ok: true, reason: `ok HTTP ${status} (${Date.now() - started} ms)` });
      }
      // keepalived's digest: the MD5 of the whole body; bodyMatch: a substring of its start
      const md5 = createHash('md5');
      let size = 0;
      let head = '';
      let matched = url.bodyMatch === undefined;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (url.digest !== undefined) md5.update(chunk);
        if (!matched && head.length <= MAX_BODY) {
          head += chunk.toString('utf8');
          matched = head.includes(url.bodyMatch!);
        }
        if (url.digest === undefined && matched) finish({ ok: true, reason: `ok HTTP ${status}, body matched (${Date.now() - started} ms)` });
        else if (url.digest === undefined && head.length > MAX_BODY)
          finish({ ok: false, reason: `HTTP ${status} but body does not contain ${JSON.stringify(url.bodyMatch)} (first ${MAX_BODY} bytes)` });
        else if (size > MAX_DIGEST_BODY) finish({ ok: false, reason: `HTTP ${status}: body larger than ${MAX_DIGEST_BODY} bytes, not hashed` });
      });
      res.once('end', () => {
        if (!matched) return finish({ ok: false, reason: `HTTP ${status} but body does not contain ${JSON.stringify(url.bodyMatch)}` });
        if (url.digest !== undefined) {
          const got = md5.digest('hex');
          if (got !== url.digest) return finish({ ok: false, reason: `HTTP ${status} but body MD5 ${got} (expected ${url.digest})` });
        }
        finish({ ok: true, reason: `ok HTTP ${status}${url.digest ? ', digest matched' : ', body matched'} (${Date.now() - started} ms)` });
      });
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
