import { describe, expect, it } from 'vitest';
import { VirtualServiceSchema, type RealServer } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import type { DirectorStatus } from '@/lib/api/schemas';
import { indexReports, realServerState, rsRef, upCount } from './live-index';

const svc = VirtualServiceSchema.parse({
  protocol: 'tcp',
  address: '10.0.0.1',
  port: 80,
  realServers: [{ address: '10.0.1.1' }, { address: '10.0.1.2', weight: 0 }, { address: '10.0.1.3', drain: { timeout: 60 } }, { address: '10.0.1.4' }],
});
const service = { protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
const health = (addr: string, healthy: boolean, lastCheck = '2025-01-01T00:00:00Z') => ({
  service,
  server: { address: addr, port: 80 },
  healthy,
  reason: healthy ? 'ok (3 ms)' : 'connect ECONNREFUSED',
  since: lastCheck,
  lastCheck,
});
const director = (name: string, over: Partial<DirectorStatus>): DirectorStatus => ({ name, revoked: false, health: [], drains: [], ...over }) as DirectorStatus;

describe('indexReports', () => {
  it('keeps the worst health over directors and the slowest drain', () => {
    const idx = indexReports([
      director('a', {
        health: [health('10.0.1.4', true)],
        drains: [{ service, server: { address: '10.0.1.3', port: 80 }, activeConns: 1, inactConns: 1, initialConns: 9, deadline: 'x', done: false }],
      }),
      director('b', {
        health: [health('10.0.1.4', false)],
        drains: [{ service, server: { address: '10.0.1.3', port: 80 }, activeConns: 5, inactConns: 0, initialConns: 9, deadline: 'x', done: false }],
      }),
      director('c', { revoked: true, health: [health('10.0.1.1', false)] }),
    ]);
    const k = serviceKeyId(svc);
    expect(idx.get(rsRef(k, { address: '10.0.1.4', port: 80 }))!.health!.healthy).toBe(false);
    expect(idx.get(rsRef(k, { address: '10.0.1.4', port: 80 }))!.healthBy).toHaveLength(2);
    expect(idx.get(rsRef(k, { address: '10.0.1.3', port: 80 }))!.drain!.activeConns).toBe(5);
    expect(idx.has(rsRef(k, { address: '10.0.1.1', port: 80 }))).toBe(false); // revoked directors do not count
  });

  it('counts servers taking new connections', () => {
    const idx = indexReports([director('a', { health: [health('10.0.1.4', false)] })]);
    expect(upCount(svc, idx)).toEqual({ up: 1, total: 4, problems: 1 });
    const rs = svc.realServers as RealServer[];
    expect(rs.map((r) => realServerState(r, idx.get(rsRef(serviceKeyId(svc), r))))).toEqual(['up', 'quiesced', 'draining', 'down']);
  });
});
