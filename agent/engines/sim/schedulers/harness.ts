// A minimal stand-in for the kernel's service/destination lists, for scheduler unit tests and the
// bench: add() links at the head like __ip_vs_update_dest, remove() unlinks and calls del_dest.
import { ipv4ToInt } from '@/lib/ipvs/addr';
import { DEST_F_AVAILABLE, type SchedDest, type SchedEnv, type SchedPacket, type SchedService, type Scheduler } from './types';

export class FakeDest implements SchedDest {
  idx = 0;
  flags = DEST_F_AVAILABLE;
  activeConns = 0;
  inactConns = 0;
  lastWeight: number;
  readonly fold: number;
  constructor(
    readonly name: string,
    readonly address: string,
    readonly port: number,
    public weight: number,
  ) {
    this.lastWeight = weight;
    this.fold = ipv4ToInt(address);
  }
}

export class FakeService<S = unknown> implements SchedService {
  readonly af = 'inet' as const;
  dests: FakeDest[] = [];
  schedFlags = 0;
  state: S;
  clock = 0;
  private seed: number;
  readonly env: SchedEnv;

  constructor(
    readonly sched: Scheduler<S>,
    opts: { seed?: number; schedFlags?: number } = {},
  ) {
    this.seed = opts.seed ?? 1;
    this.schedFlags = opts.schedFlags ?? 0;
    this.env = {
      now: () => this.clock,
      random32: () => this.nextRandom(),
      lblcExpirationMs: 24 * 3600_000,
      lblcrExpirationMs: 24 * 3600_000,
    };
    this.state = sched.init(this, this.env);
  }

  /** mulberry32: a tiny seeded u32 generator */
  private nextRandom(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** -E with a different -s: the scheduler state starts over from the current list (init_svc). */
  rebind(): this {
    this.state = this.sched.init(this, this.env);
    return this;
  }

  /** -a: link at the head (newest first), then the add_dest hook. */
  add(name: string, weight: number, address = `10.0.0.${this.dests.length + 1}`, port = 80): FakeDest {
    const d = new FakeDest(name, address, port, weight);
    this.dests.unshift(d);
    this.reindex();
    this.sched.addDest?.(this, this.state, d);
    return d;
  }

  /** -e: weight (last_weight keeps the latest non-zero), then the upd_dest hook. */
  setWeight(d: FakeDest, weight: number): void {
    d.weight = weight;
    if (weight !== 0) d.lastWeight = weight;
    this.sched.updDest?.(this, this.state, d);
  }

  /** -d: unlink, mark unavailable, then the del_dest hook. */
  remove(d: FakeDest): void {
    const at = d.idx;
    this.dests.splice(at, 1);
    d.flags &= ~DEST_F_AVAILABLE;
    this.reindex();
    this.sched.delDest?.(this, this.state, d, at);
  }

  pick(pkt: Partial<SchedPacket> = {}): FakeDest | null {
    const full: SchedPacket = { protocol: 6, saddr: '192.0.2.1', sfold: 0xc0000201, sport: 40000, daddr: '198.51.100.1', dfold: 0xc6336401, dport: 80, ...pkt };
    return this.sched.schedule(this, this.state, full, this.env) as FakeDest | null;
  }

  /** n picks, names joined: "A A B ..." */
  sequence(n: number, pkt?: Partial<SchedPacket>): string {
    return Array.from({ length: n }, () => this.pick(pkt)?.name ?? '-').join(' ');
  }

  private reindex(): void {
    this.dests.forEach((d, i) => (d.idx = i));
  }
}

/** A client address as a packet (IPv4). */
export function fromClient(address: string, sport = 40000): Partial<SchedPacket> {
  return { saddr: address, sfold: ipv4ToInt(address), sport };
}
