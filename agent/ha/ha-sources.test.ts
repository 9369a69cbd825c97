import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from '@/lib/ipvs/model';
import type { Report } from '@/lib/protocol/messages';
import { ReportSchema } from '@/lib/protocol/messages';
import { parseIpAddrJson } from './addresses';
import { HaReporter } from './reporter';
import { parseNotifyArgs, readVrrpStateDir, recordNotify } from './vrrp-notify';

const fixture = fs.readFileSync(path.join(import.meta.dirname, '__fixtures__', 'ip-addr.json'), 'utf8');
const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-vrrp-'));
  tmp.push(d);
  return d;
};

describe('ip -j addr', () => {
  it('reads every address with its interface, canonical, skipping link layer entries', () => {
    expect(parseIpAddrJson(fixture)).toEqual([
      { address: '127.0.0.1', interface: 'lo' },
      { address: '192.0.2.53', interface: 'lo' },
      { address: '::1', interface: 'lo' },
      { address: '198.51.100.7', interface: 'eth0' },
      { address: '192.0.2.10', interface: 'eth0' },
      { address: '2001:db8::10', interface: 'eth0' },
      { address: 'fe80::5054:ff:fe12:3456', interface: 'eth0' },
    ]);
  });
  it('leaves out an IPv6 address whose DAD failed, and says what is wrong with bad output', () => {
    const text = JSON.stringify([{ ifname: 'eth0', addr_info: [{ family: 'inet6', local: '2001:db8::1', dadfailed: true }] }]);
    expect(parseIpAddrJson(text)).toEqual([]);
    expect(() => parseIpAddrJson('Object "addr" is unknown')).toThrow(/ip -j addr printed no JSON/);
    expect(() => parseIpAddrJson('{"ifname":1}')).toThrow(/unexpected shape/);
  });
});

describe('keepalived notify state', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('validates what keepalived passes', () => {
    expect(parseNotifyArgs(['INSTANCE', 'VI_1', 'MASTER', '150'], now)).toMatchObject({ name: 'VI_1', kind: 'instance', state: 'MASTER', priority: 150, source: 'notify' });
    expect(() => parseNotifyArgs(['VRRP', 'VI_1', 'MASTER'], now)).toThrow(/INSTANCE or GROUP/);
    expect(() => parseNotifyArgs(['INSTANCE', 'VI_1', 'LEADER'], now)).toThrow(/state must be one of/);
    expect(() => parseNotifyArgs(['GROUP', 'G', 'BACKUP', '300'], now)).toThrow(/priority must be 0–255/);
  });
  it('keeps one file per instance, replaced by the next notification and removed on DELETED', () => {
    const dir = tmpDir();
    recordNotify(dir, ['INSTANCE', 'VI_1', 'BACKUP', '100'], now);
    recordNotify(dir, ['INSTANCE', 'VI 2/x', 'BACKUP', '90'], now);
    recordNotify(dir, ['INSTANCE', 'VI_1', 'MASTER', '100'], now);
    fs.writeFileSync(path.join(dir, 'instance-junk.json'), '{"name":1}');
    const read = readVrrpStateDir(dir);
    expect(read.instances.map((i) => `${i.name}=${i.state}`)).toEqual(['VI 2/x=BACKUP', 'VI_1=MASTER']);
    expect(read.errors).toHaveLength(1);
    recordNotify(dir, ['INSTANCE', 'VI_1', 'DELETED'], now);
    expect(readVrrpStateDir(dir).instances.map((i) => i.name)).toEqual(['VI 2/x']);
    expect(readVrrpStateDir(path.join(dir, 'none'))).toEqual({ instances: [], errors: [] });
  });
});

describe('HaReporter', () => {
  it('reports the VIPs on its interfaces, the sync daemons and connections; again only on a change or the heartbeat', async () => {
    let t = Date.parse('2026-12-07T12:00:00Z');
    let addrs = parseIpAddrJson(fixture);
    const sent: Report[] = [];
    const desired = DirectorConfigSchema.parse({
      services: [
        { protocol: 'tcp', address: '192.0.2.10', port: 80 },
        { protocol: 'udp', address: '192.0.2.53', port: 53 },
      ],
    });
    const live = DirectorConfigSchema.parse({ globals: { timeouts: null, syncDaemons: [{ state: 'backup', interface: 'eth1', syncId: 7 }] } });
    const r = new HaReporter({
      addresses: { describe: 'fixture', read: async () => addrs },
      vrrp: null,
      desired: () => desired,
      live: () => live,
      stats: () => null,
      report: (x) => sent.push(ReportSchema.parse(x)),
      log: { info() {}, warn() {}, error() {} },
      heartbeatMs: 30_000,
      now: () => t,
    });
    await r.tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'ha',
      ha: {
        vips: [
          { address: '192.0.2.10', interface: 'eth0' },
          { address: '192.0.2.53', interface: 'lo' },
        ],
        syncDaemons: [{ state: 'backup', interface: 'eth1', syncId: 7 }],
        vrrp: null,
        connections: null,
      },
    });
    t += 2000;
    await r.tick();
    expect(sent).toHaveLength(1);
    addrs = addrs.filter((a) => a.address !== '192.0.2.10');
    await r.tick();
    expect(sent).toHaveLength(2);
    t += 30_000;
    await r.tick();
    expect(sent).toHaveLength(3);
  });
});
