// The netlink engine on this host's own kernel, which has generic netlink but (on CI machines) no
// IPVS: the socket pipelines real requests, and the engine says clearly that IPVS is missing, so
// 'auto' falls back to ipvsadm and says why. IPVS itself is tested in the QEMU guest
// (test/conformance/netlink.test.ts).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../engine';
import { createEngine } from '../create';
import { decodeFamily, getFamilyRequest, NLM_F_DUMP, NLM_F_REQUEST } from './codec/nlmsg';
import { NetlinkEngine, touchedServices } from './engine';
import { GenlPool, GenlSocket } from './socket';

const hostHasIpvs = fs.existsSync('/proc/net/ip_vs');

describe('GenlSocket on the host kernel', () => {
  it('pipelines: 50 requests in one sendmsg, each answered by its own sequence number', async () => {
    const s = new GenlSocket();
    try {
      const names = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'nlctrl' : 'no-such-family'));
      const out = await s.exchange(names.map((n) => getFamilyRequest(n)));
      expect(out.map((o) => o.errno)).toEqual(names.map((n) => (n === 'nlctrl' ? 0 : 2)));
      expect(decodeFamily(out[1]!.messages[0]!).id).toBe(0x10);
      expect({ requests: s.requests, sendCalls: s.sendCalls }).toEqual({ requests: 50, sendCalls: 1 });
    } finally {
      s.close();
    }
  });

  it('a window smaller than the batch sends the rest as replies come back', async () => {
    const s = new GenlSocket();
    try {
      const out = await s.exchange(
        Array.from({ length: 10 }, () => getFamilyRequest('nlctrl')),
        { window: 4 },
      );
      expect(out.every((o) => o.errno === 0)).toBe(true);
      expect(s.sendCalls).toBeGreaterThanOrEqual(3);
    } finally {
      s.close();
    }
  });
});

describe('dumps on the host kernel (nlctrl lists every family)', () => {
  const dumpFamilies = () => ({ ...getFamilyRequest('nlctrl'), flags: NLM_F_REQUEST | NLM_F_DUMP, attrs: [] });

  it('one socket runs its dumps one after the other: no EBUSY, no retried request', async () => {
    const s = new GenlSocket();
    try {
      const out = await s.exchange(Array.from({ length: 6 }, dumpFamilies));
      expect(out.every((o) => o.errno === 0 && o.messages.length === out[0]!.messages.length && o.messages.length > 1)).toBe(true);
      expect(s.requests).toBe(6);
    } finally {
      s.close();
    }
  });

  it('a pool runs dumps side by side on several sockets, doit requests on the first, results in order', async () => {
    const pool = new GenlPool(3);
    try {
      const reqs = [getFamilyRequest('nlctrl'), ...Array.from({ length: 7 }, dumpFamilies), getFamilyRequest('no-such-family')];
      const out = await pool.exchange(reqs);
      expect(out.map((o) => o.errno)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2]);
      expect(out.slice(1, 8).every((o) => o.messages.length > 1)).toBe(true);
      expect(pool.requests).toBe(9);
    } finally {
      pool.close();
    }
  });

  it('with many sockets, each event-loop turn completes a dump on every socket: turns ~ dumps / sockets', async () => {
    const pool = new GenlPool(64);
    try {
      const n = 300;
      const out = await pool.exchange(Array.from({ length: n }, dumpFamilies));
      expect(out.every((o) => o.errno === 0 && o.messages.length === out[0]!.messages.length)).toBe(true);
      expect(pool.requests).toBe(n); // every dump once: no EBUSY, nothing sent twice
      expect(pool.pumps).toBeLessThanOrEqual(2 * Math.ceil(n / 64) + 2); // 8 sockets would need >= 38
    } finally {
      pool.close();
    }
  });
});

describe.runIf(!hostHasIpvs)('the netlink engine without IPVS in the kernel', () => {
  it('facts() says IPVS is missing, with the fix', async () => {
    const e = new NetlinkEngine();
    await expect(e.facts()).rejects.toThrow(EngineUnavailableError);
    await expect(e.readConfig()).rejects.toThrow(/no IPVS generic netlink family .*modprobe ip_vs/);
    await e.close();
  });

  it("'auto' falls back to ipvsadm, logs why and reports it in the facts", async () => {
    const lines: string[] = [];
    const created = await createEngine({ engine: 'auto', log: (l) => lines.push(l) });
    try {
      expect(created.engine.kind).toBe('ipvsadm');
      expect(created.choice).toMatch(/^auto: ipvsadm \(netlink unavailable: the kernel has no IPVS generic netlink family/);
      expect(lines).toEqual([created.choice]);
    } finally {
      await created.close();
    }
  });
});

describe('touchedServices', () => {
  it('names each service an op list touches once; globals touch none', () => {
    const svc = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
    expect(
      touchedServices([
        { op: 'delete-server', service: svc, server: { address: '10.0.1.1', port: 80 } },
        { op: 'delete-service', service: svc },
        { op: 'set-timeouts', timeouts: { tcp: 1, tcpfin: 1, udp: 1 } },
        { op: 'delete-service', service: { protocol: 'fwmark', fwmark: 3, family: 'inet6' } },
      ]),
    ).toEqual([svc, { protocol: 'fwmark', fwmark: 3, family: 'inet6' }]);
  });
});
