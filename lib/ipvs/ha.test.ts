import { describe, expect, it } from 'vitest';
import type { HaState } from '../protocol/messages';
import { clusterVips, deriveVipOwnership, failbackSyncWarning, HA_REPORT_STALE_MS, vipsOnInterfaces } from './ha';
import { DirectorConfigSchema } from './model';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const ha = (vips: string[] | null, extra: Partial<HaState> = {}): HaState => ({
  vips: vips && vips.map((address) => ({ address, interface: 'eth0' })),
  addressSource: 'test',
  vrrp: null,
  syncDaemons: [],
  connections: null,
  at: new Date(NOW - 1000).toISOString(),
  ...extra,
});

describe('clusterVips / vipsOnInterfaces', () => {
  const config = DirectorConfigSchema.parse({
    services: [
      { protocol: 'tcp', address: '192.0.2.10', port: 80 },
      { protocol: 'tcp', address: '192.0.2.10', port: 443 },
      { protocol: 'udp', address: '2001:db8::0:10', port: 53 },
      { protocol: 'fwmark', fwmark: 7, family: 'inet' },
    ],
  });
  it('lists each service address once, canonical, and no fwmark', () => {
    expect(clusterVips(config)).toEqual(['192.0.2.10', '2001:db8::10']);
  });
  it('keeps only the VIPs among the interface addresses, compared canonically', () => {
    const found = vipsOnInterfaces(clusterVips(config), [
      { address: '198.51.100.7', interface: 'eth0' },
      { address: '2001:db8:0:0:0:0:0:10', interface: 'eth1' },
      { address: '192.0.2.10', interface: 'lo' },
    ]);
    expect(found).toEqual([
      { address: '192.0.2.10', interface: 'lo' },
      { address: '2001:db8::10', interface: 'eth1' },
    ]);
  });
});

describe('deriveVipOwnership', () => {
  const vips = ['192.0.2.10', '192.0.2.53'];
  it('owned, split brain and orphan from the reporting directors', () => {
    const o = deriveVipOwnership(
      vips,
      [
        { name: 'b', connected: true, ha: ha(['192.0.2.10']) },
        { name: 'a', connected: true, ha: ha(['192.0.2.10']) },
      ],
      NOW,
    );
    expect(o).toEqual([
      { vip: '192.0.2.10', state: 'split_brain', owners: ['a', 'b'], reporting: ['a', 'b'] },
      { vip: '192.0.2.53', state: 'orphan', owners: [], reporting: ['a', 'b'] },
    ]);
    expect(deriveVipOwnership(vips, [{ name: 'a', connected: true, ha: ha(['192.0.2.53']) }], NOW).map((x) => x.state)).toEqual(['orphan', 'owned']);
  });
  it('ignores disconnected directors, stale reports and unread addresses (unknown when nobody counts)', () => {
    const o = deriveVipOwnership(
      vips,
      [
        { name: 'gone', connected: false, ha: ha(vips) },
        { name: 'stale', connected: true, ha: ha(vips, { at: new Date(NOW - HA_REPORT_STALE_MS - 1).toISOString() }) },
        { name: 'blind', connected: true, ha: ha(null) },
        { name: 'old-agent', connected: true, ha: null },
      ],
      NOW,
    );
    expect(o.map((x) => x.state)).toEqual(['unknown', 'unknown']);
  });
});

describe('failbackSyncWarning', () => {
  const backup = [{ state: 'backup' as const, syncId: 1, interface: 'eth0' }];
  it('warns when the returning director runs no backup sync daemon', () => {
    expect(failbackSyncWarning({ name: 'a', ha: ha([], { connections: 1000 }) }, { name: 'b', ha: ha([], { connections: 1000 }) })).toContain('runs no backup sync daemon');
  });
  it('warns when its table holds less than half the current owner’s connections, not otherwise', () => {
    expect(failbackSyncWarning({ name: 'a', ha: ha([], { syncDaemons: backup, connections: 499 }) }, { name: 'b', ha: ha([], { connections: 1000 }) })).toContain(
      '499 synced connections, far below the 1000 of b',
    );
    expect(failbackSyncWarning({ name: 'a', ha: ha([], { syncDaemons: backup, connections: 500 }) }, { name: 'b', ha: ha([], { connections: 1000 }) })).toBeNull();
    expect(failbackSyncWarning({ name: 'a', ha: ha([], { syncDaemons: backup, connections: 0 }) }, { name: 'b', ha: ha([], { connections: 0 }) })).toBeNull();
  });
});
