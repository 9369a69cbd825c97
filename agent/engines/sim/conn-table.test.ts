import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CF_INACTIVE, CF_NOOUTPUT, CF_TEMPLATE, ConnTable, DIR_INPUT, DIR_OUTPUT, IPPROTO_TCP, IPPROTO_UDP, TCP, type ConnDest, type TcpSeg } from './conn-table';
import { IpvsStats } from './estimator';
import { DEST_F_AVAILABLE, DEST_F_OVERLOAD } from './schedulers/types';
import { TimerWheel, type TimerNode } from './timer-wheel';

function dest(over: Partial<ConnDest> = {}): ConnDest {
  return {
    address: '10.0.0.2',
    flags: DEST_F_AVAILABLE,
    activeConns: 0,
    inactConns: 0,
    persistConns: 0,
    uThreshold: 0,
    lThreshold: 0,
    refcnt: 0,
    connFlags: 0,
    stats: new IpvsStats(),
    svcStats: new IpvsStats(),
    ...over,
  };
}

function setup(d = dest()) {
  const tot = new IpvsStats();
  const t = new ConnTable(tot);
  const c = t.create(IPPROTO_TCP, '192.0.2.1', 40000, '10.0.0.1', 80, 80, 0, d, 0);
  return { t, c, d, tot };
}

/** Feed `steps` ("in:syn out:ack ...": direction and TCP segment) and read the state after each. */
const run = (t: ConnTable, c: ReturnType<typeof setup>['c'], steps: string) =>
  steps.split(' ').map((step) => {
    const [dir, seg] = step.split(':') as ['in' | 'out', TcpSeg];
    t.packet(c, dir === 'in' ? DIR_INPUT : DIR_OUTPUT, seg, 1, 60, 0, false);
    return t.stateName(c);
  });

describe('TCP state machine (tcp_states, ip_vs_proto_tcp.c)', () => {
  it('NAT: handshake, client close, server close: SYN_RECV ESTABLISHED CLOSE_WAIT TIME_WAIT', () => {
    const { t, c } = setup();
    expect(run(t, c, 'in:syn out:syn in:ack in:fin out:fin in:ack')).toEqual(['SYN_RECV', 'SYN_RECV', 'ESTABLISHED', 'CLOSE_WAIT', 'TIME_WAIT', 'TIME_WAIT']);
    expect(c.timeout).toBe(120_000);
  });

  it('NAT: the server closes first: FIN_WAIT then TIME_WAIT', () => {
    const { t, c } = setup();
    expect(run(t, c, 'in:syn in:ack out:fin in:fin')).toEqual(['SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'TIME_WAIT']);
  });

  it('DR (NOOUTPUT): the INPUT-ONLY table; a client FIN leaves FIN_WAIT, never TIME_WAIT', () => {
    const { t, c } = setup(dest({ connFlags: CF_NOOUTPUT }));
    expect(c.flags & CF_NOOUTPUT).toBe(CF_NOOUTPUT);
    expect(run(t, c, 'in:syn in:ack in:fin in:ack')).toEqual(['SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'FIN_WAIT']);
    expect(c.timeout).toBe(120_000);
  });

  it('the first output packet clears NOOUTPUT (a director that does see replies after all)', () => {
    const { t, c } = setup(dest({ connFlags: CF_NOOUTPUT }));
    run(t, c, 'in:syn out:syn');
    expect(c.flags & CF_NOOUTPUT).toBe(0);
  });

  it('RST closes an established connection for 10 s', () => {
    const { t, c } = setup();
    expect(run(t, c, 'in:syn in:ack in:rst')).toEqual(['SYN_RECV', 'ESTABLISHED', 'CLOSE']);
    expect(c.timeout).toBe(10_000);
  });

  it('moves the connection between ActiveConn and InActConn as the state changes', () => {
    const { t, c, d } = setup();
    expect([d.activeConns, d.inactConns]).toEqual([0, 1]); // a new entry starts inactive
    run(t, c, 'in:syn in:ack in:fin out:fin');
    expect([d.activeConns, d.inactConns]).toEqual([0, 1]);
    const s2 = setup();
    s2.t.packet(s2.c, DIR_INPUT, 'syn', 1, 60, 0, false);
    expect([s2.d.activeConns, s2.d.inactConns]).toEqual([1, 0]); // SYN_RECV is active
    s2.t.packet(s2.c, DIR_INPUT, 'ack', 1, 60, 0, false);
    expect([s2.d.activeConns, s2.d.inactConns, s2.c.flags & CF_INACTIVE]).toEqual([1, 0, 0]);
  });

  it('active + inactive always equals the live entries, and both return to 0 at expiry (property)', () => {
    const segs: TcpSeg[] = ['syn', 'fin', 'ack', 'rst'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom(DIR_INPUT, DIR_OUTPUT), fc.constantFrom(...segs), fc.integer({ min: 0, max: 100_000 })), { maxLength: 60 }),
        (steps) => {
          const d = dest();
          const t = new ConnTable(new IpvsStats());
          const conns = Array.from({ length: 5 }, (_, i) => t.create(IPPROTO_TCP, '192.0.2.1', 40000 + i, '10.0.0.1', 80, 80, 0, d, 0));
          let now = 0;
          for (const [i, dir, seg, dt] of steps) {
            now += dt;
            t.advance(now);
            const c = conns[i]!;
            if (c.tSlot < 0) continue; // expired
            t.packet(c, dir, seg, 1, 40, now, false);
            const live = conns.filter((x) => x.tSlot >= 0);
            expect(d.activeConns + d.inactConns).toBe(live.length);
            expect(d.activeConns).toBe(live.filter((x) => [TCP.ESTABLISHED, TCP.SYN_SENT, TCP.SYN_RECV, TCP.SYNACK].includes(x.state as 1)).length);
          }
          t.advance(now + 901_000); // longer than any timeout
          expect([d.activeConns, d.inactConns, t.count, d.refcnt]).toEqual([0, 0, 0, 0]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('counters, UDP, thresholds, templates', () => {
  it('counts packets and bytes per direction for the destination, its service and the totals', () => {
    const { t, c, d, tot } = setup();
    t.countConn(c);
    t.packet(c, DIR_INPUT, 'syn', 1, 60, 0, false);
    t.packet(c, DIR_OUTPUT, 'ack', 3, 4000, 0, false);
    for (const s of [d.stats, d.svcStats, tot]) expect([s.conns, s.inPkts, s.inBytes, s.outPkts, s.outBytes]).toEqual([1, 1, 60, 3, 4000]);
  });

  it('a deleted destination drops input (no count, no timer restart); expire_nodest_conn expires at once', () => {
    const { t, c, d } = setup();
    t.packet(c, DIR_INPUT, 'syn', 1, 60, 0, false);
    d.flags &= ~DEST_F_AVAILABLE;
    expect(t.packet(c, DIR_INPUT, 'ack', 1, 60, 30_000, false)).toBe(false);
    expect(c.expires).toBe(60_000);
    expect(d.stats.inPkts).toBe(1);
    expect(t.packet(c, DIR_INPUT, 'ack', 1, 60, 31_000, true)).toBe(false);
    t.advance(31_000);
    expect(t.count).toBe(0);
  });

  it('UDP: state UDP, the udp timeout on every packet, always inactive; a reply assures the template', () => {
    const d = dest();
    const t = new ConnTable(new IpvsStats());
    const tpl = t.create(IPPROTO_UDP, '192.0.2.0', 0, '10.0.0.1', 53, 53, CF_TEMPLATE, d, 0);
    const c = t.create(IPPROTO_UDP, '192.0.2.1', 5353, '10.0.0.1', 53, 53, 0, d, 0);
    t.attach(c, tpl);
    t.packet(c, DIR_INPUT, null, 1, 80, 0, false);
    expect([t.stateName(c), c.timeout, d.inactConns, d.persistConns, t.stateName(tpl)]).toEqual(['UDP', 300_000, 1, 1, 'NONE']);
    t.packet(c, DIR_OUTPUT, null, 1, 120, 0, false);
    expect(t.stateName(tpl)).toBe('ASSURED');
  });

  it('OVERLOAD: set when a bind reaches u, cleared on unbind below l (or 3/4 u); templates do not count', () => {
    const d = dest({ uThreshold: 4, lThreshold: 2 });
    const t = new ConnTable(new IpvsStats());
    const cs = [0, 1, 2].map((i) => t.create(IPPROTO_TCP, '192.0.2.1', 40000 + i, '10.0.0.1', 80, 80, 0, d, 0));
    t.create(IPPROTO_TCP, '192.0.2.0', 0, '10.0.0.1', 80, 80, CF_TEMPLATE, d, 0);
    expect(d.flags & DEST_F_OVERLOAD).toBe(0);
    cs.push(t.create(IPPROTO_TCP, '192.0.2.1', 40009, '10.0.0.1', 80, 80, 0, d, 0));
    expect(d.flags & DEST_F_OVERLOAD).toBe(DEST_F_OVERLOAD);
    t.expireNow(cs[0]!, 0);
    t.expireNow(cs[1]!, 0);
    expect(d.flags & DEST_F_OVERLOAD).toBe(DEST_F_OVERLOAD); // 2 left: not below l = 2
    t.expireNow(cs[2]!, 0);
    expect(d.flags & DEST_F_OVERLOAD).toBe(0);
  });
});

describe('timer wheel', () => {
  interface N extends TimerNode {
    id: number;
  }
  it('fires every node exactly once, at its latest expiry, in slot order (property vs a plain map)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constant(-1)), fc.integer({ min: 0, max: 300_000 })), { maxLength: 200 }),
        (ops) => {
          const w = new TimerWheel<N>(10, 8); // a small wheel: many rounds per slot
          const nodes = Array.from({ length: 41 }, (_, id): N => ({ id, expires: 0, tPrev: null, tNext: null, tSlot: -1 }));
          const want = new Map<number, number>();
          const fired: [number, number][] = [];
          let now = 0;
          for (const [id, delay, step] of ops) {
            if (delay < 0) {
              w.cancel(nodes[id]!);
              want.delete(id);
            } else {
              w.arm(nodes[id]!, now + delay);
              want.set(id, now + delay);
            }
            now += step;
            w.advance(now, (n, at) => fired.push([n.id, at]));
            for (const [fid, at] of fired.splice(0)) {
              expect(want.get(fid)).toBeDefined();
              expect(want.get(fid)!).toBeLessThanOrEqual(at);
              expect(at - want.get(fid)!).toBeLessThan(10); // fired in its own slot
              want.delete(fid);
            }
            for (const e of want.values()) expect(e).toBeGreaterThan(now); // nothing due is left behind
            expect(w.size).toBe(want.size);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
