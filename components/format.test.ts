import { describe, expect, it } from 'vitest';
import { VirtualServiceSchema, type VirtualServiceInput } from '@/lib/ipvs/model';
import { addrLabel, ago, auditTone, duration, engineLabel, exact, flagsText, formatBytes, formatMetric, mmss, percent, protoLabel, si, timeTick } from './format';

describe('si', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [999.4, '999'],
    [999.6, '1K'],
    [1000, '1K'],
    [1234, '1.23K'],
    [12_345, '12.3K'],
    [123_456, '123K'],
    [1_000_000, '1M'],
    [12_345_678, '12.3M'],
    [2_500_000_000, '2.5G'],
    [-1500, '-1.5K'],
    [0.5, '0.5'],
    [12.25, '12.3'],
  ])('%d → %s', (v, want) => expect(si(v)).toBe(want));
  it('is dash for NaN and Infinity', () => {
    expect(si(Number.NaN)).toBe('–');
    expect(si(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('formatMetric', () => {
  it('puts the prefix on the unit for bytes and bits', () => {
    expect(formatMetric(840_000_000, 'bits')).toBe('840 Mbit/s');
    expect(formatMetric(12_000_000, 'bytes')).toBe('12 MB/s');
    expect(formatMetric(512, 'bytes')).toBe('512 B/s');
  });
  it('keeps the prefix on the number for counts and rates', () => {
    expect(formatMetric(1200, 'cps')).toBe('1.2K conn/s');
    expect(formatMetric(3, 'pps')).toBe('3 pkt/s');
    expect(formatMetric(45_000, 'conns')).toBe('45K');
  });
  it('formats bytes', () => expect(formatBytes(1536)).toBe('1.54 KB'));
});

describe('time', () => {
  it('mmss like ipvsadm -Lnc', () => {
    expect(mmss(897)).toBe('14:57');
    expect(mmss(6001 * 60)).toBe('6001:00');
    expect(mmss(-3)).toBe('00:00');
  });
  it('duration', () => {
    expect(duration(45)).toBe('45 s');
    expect(duration(360)).toBe('6 min');
    expect(duration(5400)).toBe('1 h 30 min');
    expect(duration(2_678_400)).toBe('31 d');
    expect(duration(90)).toBe('1 min 30 s');
  });
  it('ago', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(ago(null, now)).toBe('never');
    expect(ago(now - 2000, now)).toBe('just now');
    expect(ago(now - 42_000, now)).toBe('42 s ago');
    expect(ago(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(ago(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(ago('not a date', now)).toBe('–');
  });
  it('timeTick picks a resolution from the range', () => {
    const t = new Date(2025, 0, 2, 3, 4, 5).getTime();
    expect(timeTick(t, 300)).toBe('03:04:05');
    expect(timeTick(t, 3600)).toBe('03:04');
    expect(timeTick(t, 7 * 86400)).toBe('01-02 03:04');
  });
});

describe('numbers', () => {
  it('exact groups thousands', () => expect(exact(1234567)).toBe('1,234,567'));
  it('percent clamps and handles an empty whole', () => {
    expect(percent(5, 10)).toBe(50);
    expect(percent(15, 10)).toBe(100);
    expect(percent(0, 0)).toBe(100);
    expect(percent(3, 0)).toBe(0);
  });
});

describe('domain labels', () => {
  const svc = (over: Record<string, unknown>) => VirtualServiceSchema.parse({ protocol: 'tcp', address: '10.0.0.1', port: 80, ...over } as VirtualServiceInput);
  it('writes the Flags column in ipvsadm -Ln words', () => {
    expect(flagsText(svc({ scheduler: 'sh', schedFlags: ['sh-port'], persistence: { timeout: 360, netmask: '255.255.255.0' } }))).toBe('(sh-port) persistent 360 mask 255.255.255.0');
    expect(flagsText(svc({}))).toBe('');
    expect(protoLabel(svc({ protocol: 'fwmark', fwmark: 7, address: undefined, port: undefined }))).toBe('FWM');
    expect(addrLabel(svc({ protocol: 'fwmark', fwmark: 7, family: 'inet6', address: undefined, port: undefined }))).toBe('7 IPv6');
  });
  it('names engines and audit tones', () => {
    expect(engineLabel('sim')).toBe('simulated kernel');
    expect(engineLabel('netlink')).toBe('netlink engine');
    expect(auditTone('login.failure')).toBe('bad');
    expect(auditTone('revision.create')).toBe('info');
    expect(auditTone('user.create')).toBe('');
  });
});
