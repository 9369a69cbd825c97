// The connection table (ip_vs_conn.c + the protocol state machines of ip_vs_proto_{tcp,udp,sctp}.c):
// entries bound to destinations, protocol states with their timeouts, ActiveConn/InActConn moved as
// the kernel moves them, persistence templates with their controlled connections, and expiry.
//
// Kernel behaviour kept on purpose:
// - a new entry counts as inactive until its state is an active one (TCP: ESTABLISHED, SYN_SENT,
//   SYN_RECV, SYNACK — the 2016 "count pre-established TCP states as active" rule; SCTP:
//   ESTABLISHED); UDP never leaves InActConn;
// - every packet restarts the entry's timer with its current state's timeout;
// - non-NAT destinations carry NOOUTPUT: the director never sees replies, so TCP runs the
//   INPUT-ONLY table and a closed connection sits in FIN_WAIT (tcpfin timeout), not TIME_WAIT;
// - a template (persistence) counts in PersistConn, shows client port 0 and state NONE/ASSURED,
//   and does not expire while it controls connections: it is re-armed for 60 s each time
//   (and that 60 s becomes its timeout);
// - reaching or leaving the thresholds sets/clears OVERLOAD on bind/unbind (ip_vs_bind_dest,
//   ip_vs_unbind_dest).
import { PROTOCOL_NUMBER } from '@/lib/ipvs/model';
import type { IpvsStats } from './estimator';
import { DEST_F_AVAILABLE, DEST_F_OVERLOAD } from './schedulers/types';
import { TimerWheel, type TimerNode } from './timer-wheel';

export const IPPROTO_IP = 0;
export const IPPROTO_TCP = PROTOCOL_NUMBER.tcp;
export const IPPROTO_UDP = PROTOCOL_NUMBER.udp;
export const IPPROTO_SCTP = PROTOCOL_NUMBER.sctp;

// connection flags (the subset of IP_VS_CONN_F_* the simulator needs)
export const CF_INACTIVE = 0x1;
export const CF_NOOUTPUT = 0x2;
export const CF_TEMPLATE = 0x4;
export const CF_ONE_PACKET = 0x8;

/** Template state bit (IP_VS_CTPL_S_ASSURED): a controlled connection got established/answered. */
export const CTPL_S_ASSURED = 0x1;

export const DIR_INPUT = 0;
export const DIR_OUTPUT = 1;
const DIR_INPUT_ONLY = 2;
export type Dir = typeof DIR_INPUT | typeof DIR_OUTPUT;

// ---- TCP (ip_vs_proto_tcp.c) ----------------------------------------------------------------

export const TCP = { NONE: 0, ESTABLISHED: 1, SYN_SENT: 2, SYN_RECV: 3, FIN_WAIT: 4, TIME_WAIT: 5, CLOSE: 6, CLOSE_WAIT: 7, LAST_ACK: 8, LISTEN: 9, SYNACK: 10 } as const;
export const TCP_STATE_NAMES = ['NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK'] as const;
const TCP_ACTIVE = [false, true, true, true, false, false, false, false, false, false, true];
/** tcp_timeouts in seconds, by state */
export const TCP_TIMEOUTS_S = [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120];

/** Segment classes in the kernel's order: rst wins, then syn (incl. syn+ack), fin, ack. */
export type TcpSeg = 'syn' | 'fin' | 'ack' | 'rst';
const TCP_SEG_INDEX: Record<TcpSeg, number> = { syn: 0, fin: 1, ack: 2, rst: 3 };

const { ESTABLISHED: sES, SYN_SENT: sSS, SYN_RECV: sSR, FIN_WAIT: sFW, TIME_WAIT: sTW, CLOSE: sCL, CLOSE_WAIT: sCW, LAST_ACK: sLA, LISTEN: sLI } = TCP;
/** tcp_states[direction*4 + segment][state] */
const TCP_STATES: number[][] = [
  // INPUT        sNO  sES  sSS  sSR  sFW  sTW  sCL  sCW  sLA  sLI  sSA
  /* syn */ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  /* fin */ [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
  /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  /* rst */ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  // OUTPUT
  /* syn */ [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
  /* fin */ [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
  /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
  /* rst */ [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  // INPUT-ONLY (DR / TUN: the director sees only client -> server)
  /* syn */ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  /* fin */ [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW],
  /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  /* rst */ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL],
];

// ---- UDP (ip_vs_proto_udp.c): one state ------------------------------------------------------

export const UDP_TIMEOUT_S = 300;

// ---- SCTP (ip_vs_proto_sctp.c) ----------------------------------------------------------------

export const SCTP_STATE_NAMES = ['NONE', 'INIT1', 'INIT', 'C-SENT', 'C-REPLIED', 'C-WAIT', 'COOKIE', 'C-ECHOED', 'ESTABLISHED', 'S-SENT', 'S-RECEIVED', 'S-ACK-SENT', 'REJECTED', 'CLOSED'] as const;
const SCTP_ESTABLISHED = 8;
const RTO = 61;
export const SCTP_TIMEOUTS_S = [2, 4, RTO, RTO, RTO, RTO, RTO, RTO, 900, RTO, RTO, RTO, 4, RTO];
export type SctpChunk = 'data' | 'init' | 'init_ack' | 'cookie_echo' | 'cookie_ack' | 'shutdown' | 'shutdown_ack' | 'shutdown_complete' | 'error' | 'abort';
const SCTP_EVENT_INDEX: Record<SctpChunk, number> = { data: 0, init: 1, init_ack: 2, cookie_echo: 3, cookie_ack: 4, shutdown: 5, shutdown_ack: 6, shutdown_complete: 7, error: 8, abort: 9 };
// the kernel's names: sNO sI1 sIN sCS sCR sCW sCO sCE sES sSS sSR sSA sRJ sCL
const [I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
/** sctp_states[direction][event][state], events: data init init_ack cookie_echo cookie_ack shutdown shutdown_ack shutdown_complete error abort */
const SCTP_STATES: number[][][] = [
  [
    // INPUT    NO  I1  IN  CS  CR  CW  CO  CE  ES  SS  SR  SA  RJ  CL
    /* d   */ [ES, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* i   */ [I1, IN, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, IN, IN],
    /* i_a */ [CW, CW, CW, CS, CR, CO, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* c_e */ [CR, IN, IN, CR, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* c_a */ [ES, I1, IN, CS, CR, CW, CO, ES, ES, SS, SR, SA, RJ, CL],
    /* s   */ [SR, I1, IN, CS, CR, CW, CO, CE, SR, SS, SR, SA, RJ, CL],
    /* s_a */ [CL, IN, IN, CS, CR, CW, CO, CE, ES, CL, SR, CL, RJ, CL],
    /* s_c */ [CL, CL, CL, CS, CR, CW, CO, CE, ES, SS, SR, CL, RJ, CL],
    /* err */ [CL, I1, IN, CS, CR, CW, CO, CL, ES, SS, SR, SA, RJ, CL],
    /* ab  */ [CL, CL, CL, CL, CL, RJ, CL, CL, CL, CL, CL, CL, CL, CL],
  ],
  [
    // OUTPUT
    /* d   */ [ES, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* i   */ [CW, CW, CW, CW, CW, CW, CW, CW, ES, CW, CW, CW, CW, CW],
    /* i_a */ [CS, CS, CS, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* c_e */ [CE, CE, CE, CE, CE, CE, CE, CE, ES, SS, SR, SA, RJ, CL],
    /* c_a */ [ES, ES, ES, ES, ES, ES, ES, ES, ES, SS, SR, SA, RJ, CL],
    /* s   */ [SS, SS, SS, SS, SS, SS, SS, SS, SS, SS, SR, SA, RJ, CL],
    /* s_a */ [SA, SA, SA, SA, SA, CW, CO, CE, ES, SA, SA, SA, RJ, CL],
    /* s_c */ [CL, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* err */ [CL, CL, CL, CL, CL, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* ab  */ [CL, RJ, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL],
  ],
  [
    // INPUT-ONLY
    /* d   */ [ES, I1, IN, CS, CR, ES, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* i   */ [I1, IN, IN, IN, IN, IN, CO, CE, ES, SS, SR, SA, IN, IN],
    /* i_a */ [CE, CE, CE, CE, CE, CE, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* c_e */ [ES, ES, ES, ES, ES, ES, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* c_a */ [ES, I1, IN, ES, ES, CW, ES, ES, ES, SS, SR, SA, RJ, CL],
    /* s   */ [SR, I1, IN, CS, CR, CW, CO, CE, SR, SS, SR, SA, RJ, CL],
    /* s_a */ [CL, IN, IN, CS, CR, CW, CO, CE, CL, CL, SR, CL, RJ, CL],
    /* s_c */ [CL, CL, CL, CL, CL, CW, CO, CE, ES, SS, CL, CL, RJ, CL],
    /* err */ [CL, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL],
    /* ab  */ [CL, CL, CL, CL, CL, RJ, CL, CL, CL, CL, CL, CL, CL, CL],
  ],
];

// ---- entries ------------------------------------------------------------------------------

/** What the table needs of a destination (struct ip_vs_dest). */
export interface ConnDest {
  readonly address: string;
  flags: number;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  readonly uThreshold: number;
  readonly lThreshold: number;
  /** connections (and templates) bound to it; a deleted destination stays in the trash while > 0 */
  refcnt: number;
  /** CF_NOOUTPUT for non-NAT forwarding */
  readonly connFlags: number;
  readonly stats: IpvsStats;
  /** the stats of the service it belongs to */
  readonly svcStats: IpvsStats;
}

/** One entry of the connection table (struct ip_vs_conn). */
export class Conn implements TimerNode {
  state = 0;
  /** current timeout, ms */
  timeout = 3000;
  expires = 0;
  control: Conn | null = null;
  nControl = 0;
  tPrev: TimerNode | null = null;
  tNext: TimerNode | null = null;
  tSlot = -1;
  /** the traffic generator's flow riding on this entry, if any */
  flow: { onExpire(): void } | null = null;

  constructor(
    /** IPPROTO_*; IPPROTO_IP for a fwmark template */
    readonly proto: number,
    readonly caddr: string,
    readonly cport: number,
    readonly vaddr: string,
    readonly vport: number,
    public dport: number,
    public flags: number,
    public dest: ConnDest,
  ) {}

  get isTemplate(): boolean {
    return (this.flags & CF_TEMPLATE) !== 0;
  }
}

export interface ConnTimeouts {
  /** ms by TCP state */
  tcp: number[];
  udp: number;
  /** ms by SCTP state */
  sctp: number[];
}

export function defaultTimeouts(): ConnTimeouts {
  return {
    tcp: TCP_TIMEOUTS_S.map((s) => s * 1000),
    udp: UDP_TIMEOUT_S * 1000,
    sctp: SCTP_TIMEOUTS_S.map((s) => s * 1000),
  };
}

/** protocol name as ip_vs_proto_name() prints it */
export function protoName(p: number): string {
  return p === IPPROTO_TCP ? 'TCP' : p === IPPROTO_UDP ? 'UDP' : p === IPPROTO_SCTP ? 'SCTP' : p === IPPROTO_IP ? 'IP' : `IP_${p}`;
}

export class ConnTable {
  readonly wheel: TimerWheel<Conn>;
  readonly timeouts: ConnTimeouts = defaultTimeouts();
  /** live persistence templates by lookup key (invalidated ones are removed from here, not from the table) */
  readonly templates = new Map<string, Conn>();
  /** entries (connections + templates), as ipvs->conn_count */
  count = 0;

  constructor(
    private readonly totStats: IpvsStats,
    startMs = 0,
  ) {
    this.wheel = new TimerWheel<Conn>(10, 16, startMs);
  }

  static templateKey(proto: number, snet: string, vaddr: string, vport: number): string {
    return `${proto}|${snet}|${vaddr}|${vport}`;
  }

  /** ip_vs_conn_new + ip_vs_bind_dest: state 0, 3 s, counted by the destination's flags. */
  create(proto: number, caddr: string, cport: number, vaddr: string, vport: number, dport: number, flags: number, dest: ConnDest, now: number): Conn {
    const tpl = (flags & CF_TEMPLATE) !== 0;
    const c = new Conn(proto, caddr, cport, vaddr, vport, dport, tpl ? flags : flags | dest.connFlags | CF_INACTIVE, dest);
    dest.refcnt++;
    if (tpl) dest.persistConns++;
    else if ((c.flags & CF_INACTIVE) !== 0) dest.inactConns++;
    else dest.activeConns++;
    if (dest.uThreshold !== 0 && dest.activeConns + dest.inactConns >= dest.uThreshold) dest.flags |= DEST_F_OVERLOAD;
    this.count++;
    this.wheel.arm(c, now + c.timeout);
    return c;
  }

  /** ip_vs_control_add */
  attach(c: Conn, template: Conn): void {
    c.control = template;
    template.nControl++;
  }

  /** ip_vs_conn_stats: a scheduled connection counts once for its destination, service and the totals. */
  countConn(c: Conn): void {
    c.dest.stats.conns++;
    c.dest.svcStats.conns++;
    this.totStats.conns++;
  }

  /**
   * Packets of an existing connection (ip_vs_in / ip_vs_out): counters (only while the
   * destination is available), state transition, timer restart. `seg` is the TCP segment class
   * or SCTP chunk (null for UDP); `pkts` > 1 accounts a run of packets of that class at once
   * (data ACKs / DATA chunks never move an established state, so one transition stands for all).
   * Returns false when the kernel drops the packet: its destination was deleted.
   */
  packet(c: Conn, dir: Dir, seg: TcpSeg | SctpChunk | null, pkts: number, bytes: number, now: number, expireNodestConn: boolean): boolean {
    if ((c.dest.flags & DEST_F_AVAILABLE) === 0 && dir === DIR_INPUT) {
      // no timer restart: the entry runs out; with expire_nodest_conn it goes at once
      if (expireNodestConn) this.wheel.arm(c, now);
      return false;
    }
    this.account(c, dir, pkts, bytes);
    this.transition(c, dir, seg);
    this.put(c, now);
    return true;
  }

  /** ip_vs_conn_put: restart the timer with the entry's timeout; one-packet entries go at once. */
  put(c: Conn, now: number): void {
    this.wheel.arm(c, (c.flags & CF_ONE_PACKET) !== 0 ? now : now + c.timeout);
  }

  /** ip_vs_in_stats / ip_vs_out_stats */
  private account(c: Conn, dir: Dir, pkts: number, bytes: number): void {
    const d = c.dest;
    if ((d.flags & DEST_F_AVAILABLE) === 0) return;
    // the destination's, its service's and the totals, as the kernel bumps all three
    addTraffic(d.stats, dir, pkts, bytes);
    addTraffic(d.svcStats, dir, pkts, bytes);
    addTraffic(this.totStats, dir, pkts, bytes);
  }

  /** The protocol's state_transition: next state, counter moves, timeout. */
  transition(c: Conn, dir: Dir, seg: TcpSeg | SctpChunk | null): void {
    let d: number = dir;
    if ((c.flags & CF_NOOUTPUT) !== 0) {
      if (dir === DIR_OUTPUT) c.flags &= ~CF_NOOUTPUT;
      else d = DIR_INPUT_ONLY;
    }
    if (c.proto === IPPROTO_TCP) {
      const next = seg === null ? TCP.CLOSE : TCP_STATES[d * 4 + TCP_SEG_INDEX[seg as TcpSeg]]![c.state]!;
      if (next !== c.state) {
        this.moveCounters(c, TCP_ACTIVE[next]!);
        if (next === TCP.ESTABLISHED) this.assure(c);
      }
      c.state = next;
      c.timeout = this.timeouts.tcp[next]!;
    } else if (c.proto === IPPROTO_SCTP) {
      const next = SCTP_STATES[d]![SCTP_EVENT_INDEX[(seg ?? 'data') as SctpChunk]]![c.state]!;
      if (next !== c.state) {
        this.moveCounters(c, next === SCTP_ESTABLISHED);
        if (next === SCTP_ESTABLISHED) this.assure(c);
      }
      c.state = next;
      c.timeout = this.timeouts.sctp[next]!;
    } else {
      // udp_state_transition: a reply assures the template; the entry stays inactive
      if (dir === DIR_OUTPUT) this.assure(c);
      c.timeout = this.timeouts.udp;
    }
  }

  private moveCounters(c: Conn, active: boolean): void {
    const dest = c.dest;
    if ((c.flags & CF_INACTIVE) === 0 && !active) {
      dest.activeConns--;
      dest.inactConns++;
      c.flags |= CF_INACTIVE;
    } else if ((c.flags & CF_INACTIVE) !== 0 && active) {
      dest.activeConns++;
      dest.inactConns--;
      c.flags &= ~CF_INACTIVE;
    }
  }

  /** ip_vs_control_assure_ct */
  private assure(c: Conn): void {
    const ct = c.control;
    if (ct !== null && ct.isTemplate) ct.state |= CTPL_S_ASSURED;
  }

  /** ip_vs_check_template failed: the template can no longer match (dport 0xffff) but lives on. */
  invalidateTemplate(ct: Conn): void {
    const key = ConnTable.templateKey(ct.proto, ct.caddr, ct.vaddr, ct.vport);
    if (this.templates.get(key) === ct) this.templates.delete(key);
    ct.dport = 0xffff;
  }

  /** Expire every entry that is due by `now` (ip_vs_conn_expire). */
  advance(now: number): void {
    this.wheel.advance(now, (c, at) => this.expire(c, at));
  }

  /** Expire an entry now, as if its timer fired (expire_nodest_conn, flushes). */
  expireNow(c: Conn, now: number): void {
    this.wheel.cancel(c);
    this.expire(c, now);
  }

  private expire(c: Conn, now: number): void {
    // a template that still controls connections is kept, re-armed for 60 s each time
    if (c.nControl > 0) {
      c.timeout = 60_000;
      this.wheel.arm(c, now + 60_000);
      return;
    }
    const ct = c.control;
    if (ct !== null) {
      ct.nControl--;
      c.control = null;
    }
    // ip_vs_unbind_dest
    const d = c.dest;
    if (c.isTemplate) {
      d.persistConns--;
      const key = ConnTable.templateKey(c.proto, c.caddr, c.vaddr, c.vport);
      if (this.templates.get(key) === c) this.templates.delete(key);
    } else if ((c.flags & CF_INACTIVE) !== 0) d.inactConns--;
    else d.activeConns--;
    const total = d.activeConns + d.inactConns;
    if (d.lThreshold !== 0) {
      if (total < d.lThreshold) d.flags &= ~DEST_F_OVERLOAD;
    } else if (d.uThreshold !== 0) {
      if (total * 4 < d.uThreshold * 3) d.flags &= ~DEST_F_OVERLOAD;
    } else d.flags &= ~DEST_F_OVERLOAD;
    d.refcnt--;
    this.count--;
    const flow = c.flow;
    if (flow !== null) {
      c.flow = null;
      flow.onExpire();
    }
  }

  /** Display state: templates NONE/ASSURED, TCP and SCTP state names, UDP. */
  stateName(c: Conn): string {
    if (c.isTemplate) return (c.state & CTPL_S_ASSURED) !== 0 ? 'ASSURED' : 'NONE';
    if (c.proto === IPPROTO_TCP) return TCP_STATE_NAMES[c.state] ?? 'ERR!';
    if (c.proto === IPPROTO_SCTP) return SCTP_STATE_NAMES[c.state] ?? 'ERR!';
    if (c.proto === IPPROTO_UDP) return 'UDP';
    return 'NONE';
  }

  entries(): IterableIterator<Conn> {
    return this.wheel.nodes();
  }
}

function addTraffic(st: IpvsStats, dir: Dir, pkts: number, bytes: number): void {
  if (dir === DIR_INPUT) {
    st.inPkts += pkts;
    st.inBytes += bytes;
  } else {
    st.outPkts += pkts;
    st.outBytes += bytes;
  }
}
