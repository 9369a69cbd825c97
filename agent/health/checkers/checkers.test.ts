// DNS_CHECK, UDP_CHECK, SMTP_CHECK and MISC_CHECK against local servers and scripts (loopback only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HealthCheckSchema, type HealthCheckInput } from '@/lib/ipvs/model';
import { NetProber } from '../probe';
import { availableScripts } from './misc';

const check = (over: HealthCheckInput) => HealthCheckSchema.parse({ interval: 1, timeout: 1, rise: 1, fall: 1, ...over });

/** A DNS server that answers every query with one A record (and NXDOMAIN for "missing."). */
function dnsAnswer(q: Buffer): Buffer {
  let i = 12;
  const labels: string[] = [];
  while (q[i]) {
    labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString());
    i += q[i]! + 1;
  }
  const question = q.subarray(12, i + 5);
  const missing = labels.join('.') === 'missing';
  const header = Buffer.from([q[0]!, q[1]!, 0x81, missing ? 0x83 : 0x80, 0, 1, 0, missing ? 0 : 1, 0, 0, 0, 0]);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
  return Buffer.concat([header, question, ...(missing ? [] : [answer])]);
}

let dns: dgram.Socket;
let echo: dgram.Socket;
let smtp: net.Server;
let dnsPort = 0;
let echoPort = 0;
let smtpPort = 0;
let dir = '';

beforeAll(async () => {
  dns = dgram.createSocket('udp4');
  dns.on('message', (m, r) => dns.send(dnsAnswer(m), r.port, r.address));
  echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('ok:'), m]), r.port, r.address));
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  dnsPort = dns.address().port;
  echoPort = echo.address().port;
  smtp = net.createServer((s) => {
    s.write('220-mail.test ESMTP\r\n220 ready\r\n');
    s.on('data', (d) => {
      if (/^HELO lb\.test\r\n/.test(d.toString())) s.write('250 mail.test\r\n');
      else if (/^HELO /.test(d.toString())) s.write('501 who are you\r\n');
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.address() as net.AddressInfo).port;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-checks-'));
  const script = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  script('pass.sh', 'exit 0');
  script('fail.sh', 'exit 1');
  script('weight.sh', 'exit $(( $1 + 2 ))');
  script('env.sh', 'test -z "$LVS_TOKEN"');
  fs.writeFileSync(path.join(dir, 'not-executable.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
});
afterAll(async () => {
  dns.close();
  echo.close();
  await new Promise((r) => smtp.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('DNS_CHECK, UDP_CHECK, SMTP_CHECK, MISC_CHECK', () => {
  const p = () => new NetProber({ checksDir: dir });

  it('DNS: an answer is good, an error is not', async () => {
    expect((await p().probe({ address: '127.0.0.1', port: dnsPort, check: check({ type: 'dns', dnsType: 'A', dnsName: 'www.example.com' }) })).ok).toBe(true);
    const bad = await p().probe({ address: '127.0.0.1', port: dnsPort, check: check({ type: 'dns', dnsType: 'A', dnsName: 'missing' }) });
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/DNS A missing: ENOTFOUND/) });
  });

  it('UDP: a required reply, or no ICMP error; a closed port is refused', async () => {
    expect((await p().probe({ address: '127.0.0.1', port: echoPort, check: check({ type: 'udp', udpPayload: '6869', udpReply: '6f6b3a6869' }) })).ok).toBe(true);
    expect((await p().probe({ address: '127.0.0.1', port: echoPort, check: check({ type: 'udp', udpPayload: '6869', udpReply: 'ffff' }) })).ok).toBe(false);
    const closed = dgram.createSocket('udp4');
    await new Promise<void>((r) => closed.bind(0, '127.0.0.1', r));
    const port = closed.address().port;
    closed.close();
    expect(await p().probe({ address: '127.0.0.1', port, check: check({ type: 'udp', udpPayload: '00' }) })).toMatchObject({ ok: false, reason: 'UDP ECONNREFUSED' });
  });

  it('SMTP: 220 banner (multi-line), HELO answered 250', async () => {
    expect(await p().probe({ address: '127.0.0.1', port: smtpPort, check: check({ type: 'smtp', heloName: 'lb.test' }) })).toEqual({ ok: true, reason: 'ok: SMTP 220, HELO 250' });
    expect(await p().probe({ address: '127.0.0.1', port: smtpPort, check: check({ type: 'smtp', heloName: 'other.test' }) })).toEqual({ ok: false, reason: 'SMTP HELO answered 501 (expected 250)' });
  });

  it('MISC: only executable scripts of the checks directory run, with arguments and a clean environment; misc_dynamic weights', async () => {
    expect(availableScripts(dir)).toEqual(['env.sh', 'fail.sh', 'pass.sh', 'weight.sh']);
    const run = (over: Partial<HealthCheckInput>) => p().probe({ address: '10.0.0.1', port: 0, check: check({ type: 'misc', script: 'pass.sh', ...over }) });
    expect((await run({})).ok).toBe(true);
    expect(await run({ script: 'fail.sh' })).toEqual({ ok: false, reason: 'fail.sh exited 1' });
    expect((await run({ script: 'not-executable.sh' })).reason).toMatch(/no executable not-executable.sh in/);
    process.env.LVS_TOKEN = 'secret';
    expect((await run({ script: 'env.sh' })).ok).toBe(true);
    delete process.env.LVS_TOKEN;
    expect(await run({ script: 'weight.sh', scriptArgs: ['7'], dynamicWeight: true })).toMatchObject({ ok: true, weight: 7 });
    expect((await run({ script: 'weight.sh', scriptArgs: ['7'] })).ok).toBe(false);
    expect(() => check({ type: 'misc', script: '../bin/sh' })).toThrow(/file name in the director's checks directory/);
  });
});
