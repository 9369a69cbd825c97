import { describe, expect, it } from 'vitest';
import { classifyOps, countCuts, cutSeries } from './impact';
import type { DirectorConfig } from './model';
import type { Op } from './op';
import { plan } from './plan';

const svc = (address: string, servers: { address: string; weight?: number }[], scheduler = 'wlc') => ({
  protocol: 'tcp' as const,
  address,
  port: 80,
  scheduler,
  schedFlags: [],
  onePacket: false,
  realServers: servers.map((s) => ({ address: s.address, port: 8080, forwarding: 'masq' as const, weight: s.weight ?? 1, upperThreshold: 0, lowerThreshold: 0 })),
});
const config = (...services: ReturnType<typeof svc>[]): DirectorConfig => ({ globals: { timeouts: null, syncDaemons: [] }, services }) as unknown as DirectorConfig;

describe('impact of a plan on live connections', () => {
  const before = config(svc('10.0.0.1', [{ address: '10.1.0.1' }, { address: '10.1.0.2' }]), svc('10.0.0.2', [{ address: '10.1.0.3' }]));

  it('calls edits, weight 0, scheduler changes and additions safe', () => {
    const after = config(svc('10.0.0.1', [{ address: '10.1.0.1', weight: 0 }, { address: '10.1.0.2', weight: 5 }, { address: '10.1.0.9' }], 'rr'), svc('10.0.0.2', [{ address: '10.1.0.3' }]));
    const ops = plan(after, before);
    const im = classifyOps(ops);
    expect(ops.map((o) => o.op)).toEqual(['edit-service', 'add-server', 'edit-server', 'edit-server']);
    expect(im.map((i) => [i.safe, i.reason])).toEqual([
      [true, 'edit'],
      [true, 'adds'],
      [true, 'quiesce'],
      [true, 'edit'],
    ]);
  });

  it('calls removals unsafe and names the stats series each one cuts', () => {
    const after = config(svc('10.0.0.1', [{ address: '10.1.0.1' }]));
    const ops = plan(after, before);
    expect(ops.map((o) => o.op)).toEqual(['delete-server', 'delete-service']);
    expect(classifyOps(ops).map((i) => [i.safe, i.reason])).toEqual([
      [false, 'removes-server'],
      [false, 'removes-service'],
    ]);
    expect(ops.map(cutSeries)).toEqual(['tcp|10.0.0.1|80#10.1.0.2|8080', 'tcp|10.0.0.2|80']);
  });

  it('names a changed service key a key change when its servers come back under the new key', () => {
    const after = config(svc('10.0.0.1', [{ address: '10.1.0.1' }, { address: '10.1.0.2' }]), svc('10.0.0.3', [{ address: '10.1.0.3' }]));
    const ops = plan(after, before);
    const servers = new Map([
      ['tcp|10.0.0.1|80', ['10.1.0.1|8080', '10.1.0.2|8080']],
      ['tcp|10.0.0.2|80', ['10.1.0.3|8080']],
    ]);
    const im = classifyOps(ops, servers);
    const del = ops.findIndex((o) => o.op === 'delete-service');
    expect(im[del]).toEqual({ safe: false, reason: 'key-change' });
    // without the director's table the same delete is a plain removal
    expect(classifyOps(ops)[del]!.reason).toBe('removes-service');
  });

  it('counts the connections each cut op ends, 0 for a series with none, unknown without stats', () => {
    const ops: Op[] = plan(config(svc('10.0.0.1', [{ address: '10.1.0.1' }])), before);
    const im = classifyOps(ops);
    const live = new Map([
      ['tcp|10.0.0.1|80#10.1.0.2|8080', 7],
      ['tcp|10.0.0.2|80', 5],
      ['tcp|10.0.0.1|80', 40],
    ]);
    expect(countCuts(ops, im, live)).toEqual({
      ops: [
        { safe: false, reason: 'removes-server', connections: 7 },
        { safe: false, reason: 'removes-service', connections: 5 },
      ],
      cuts: 12,
    });
    expect(countCuts(ops, im, new Map()).cuts).toBe(0);
    const unknown = countCuts(ops, im, null);
    expect(unknown.cuts).toBeNull();
    expect(unknown.ops.map((o) => o.connections)).toEqual([null, null]);
  });
});
