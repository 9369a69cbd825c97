// The demo's simulated VRRP segment: two (or more) simulated directors elect a master the way
// keepalived's VRRP does (highest priority wins, ties to the larger id; a master that stops
// advertising for DEAD_MS is replaced), and the master configures the VIPs on its simulated
// interface while the others remove them. The "wire" is a directory both agents watch:
//
//   <dir>/adverts/<id>.json  each participant's advertisement, rewritten every second by it alone
//   <dir>/control.json       the demo's failover switch, written only by the console's demo action
//                            (lib/server/ha-demo.ts): it lowers one participant's priority, as a
//                            failed keepalived track_script would
//
// Nothing here runs a command: the console only changes the simulated segment, never a director.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { VrrpInstance } from '@/lib/protocol/messages';
import type { VrrpSource } from '../../ha/reporter';

/** keepalived's master_down_interval is 3 × advert_int (+ skew): adverts older than this are from a dead peer. */
export const DEAD_MS = 3000;
/** What a demoted participant loses (keepalived track_script weight). */
export const DEMOTE_WEIGHT = 100;
export const SIM_VRRP_INSTANCE = 'VI_demo';

export const SimAdvertSchema = z.object({
  id: z.string().min(1).max(64),
  priority: z.number().int().min(1).max(255),
  state: z.enum(['MASTER', 'BACKUP']),
  at: z.number().int().nonnegative(),
});
export type SimAdvert = z.output<typeof SimAdvertSchema>;

/** The demo's failover switch: one participant demoted, and why (shown as the failover's cause). */
export const SimVrrpControlSchema = z.object({
  demote: z.string().min(1).max(64).nullable(),
  reason: z.string().max(300),
  at: z.number().int().nonnegative(),
});
export type SimVrrpControl = z.output<typeof SimVrrpControlSchema>;

export const SIM_VRRP_CONTROL_FILE = 'control.json';
export const SIM_VRRP_ADVERTS_DIR = 'adverts';

export function effectivePriority(a: Pick<SimAdvert, 'id' | 'priority'>, control: SimVrrpControl | null): number {
  return control?.demote === a.id ? Math.max(1, a.priority - DEMOTE_WEIGHT) : a.priority;
}

/** The master of the segment now: the live participant with the highest effective priority (ties: the larger id), or null. */
export function electMaster(adverts: readonly Pick<SimAdvert, 'id' | 'priority' | 'at'>[], control: SimVrrpControl | null, now: number): string | null {
  let best: { id: string; prio: number } | null = null;
  for (const a of adverts) {
    if (now - a.at > DEAD_MS) continue;
    const prio = effectivePriority(a, control);
    if (!best || prio > best.prio || (prio === best.prio && a.id > best.id)) best = { id: a.id, prio };
  }
  return best?.id ?? null;
}

/** Atomic replace: readers never see half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  fs.renameSync(tmp, file);
}

export function readSimAdverts(dir: string): SimAdvert[] {
  const d = path.join(dir, SIM_VRRP_ADVERTS_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(d).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: SimAdvert[] = [];
  for (const n of names) {
    try {
      const r = SimAdvertSchema.safeParse(JSON.parse(fs.readFileSync(path.join(d, n), 'utf8')));
      if (r.success) out.push(r.data);
    } catch {
      // a peer replacing its file: it is read again on the next tick
    }
  }
  return out;
}

export function readSimControl(dir: string): SimVrrpControl | null {
  try {
    const r = SimVrrpControlSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, SIM_VRRP_CONTROL_FILE), 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** The interface of the simulated director that the segment drives (SimEngine's addresses). */
export interface SimInterfaces {
  /** from now on clients reach only the VIPs this director carries */
  manageAddresses(): void;
  addAddress(address: string, iface?: string): void;
  removeAddress(address: string): void;
  interfaceAddresses(): { address: string; interface: string }[];
}

export interface SimVrrpOptions {
  dir: string;
  id: string;
  priority: number;
  sim: SimInterfaces;
  /** the VIPs the master carries (the desired config's) */
  vips: () => string[];
  iface?: string;
  intervalMs?: number;
  now?: () => number;
}

/** One participant of the segment; also the agent's VRRP source (its one instance). */
export class SimVrrpParticipant implements VrrpSource {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly startedAt: number;
  private state: 'MASTER' | 'BACKUP' = 'BACKUP';
  private since: number;
  private reason = 'started';
  private held = new Set<string>();

  constructor(private readonly o: SimVrrpOptions) {
    this.startedAt = this.now();
    this.since = this.startedAt;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.o.sim.manageAddresses();
    this.tick();
    this.timer = setInterval(() => this.tick(), this.o.intervalMs ?? 1000);
    this.timer.unref?.();
  }

  /** Stop advertising and withdraw: like keepalived's priority-0 advert on shutdown, the peer takes over at once. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    fs.rmSync(path.join(this.o.dir, SIM_VRRP_ADVERTS_DIR, `${this.o.id}.json`), { force: true });
    this.setVips(new Set());
  }

  /** One advertisement interval: advertise, elect, carry or drop the VIPs. */
  tick(): void {
    const now = this.now();
    const control = readSimControl(this.o.dir);
    const adverts = readSimAdverts(this.o.dir).filter((a) => a.id !== this.o.id);
    const me = { id: this.o.id, priority: this.o.priority, at: now };
    // a new participant listens for one dead interval before it may claim the segment (keepalived starts in BACKUP)
    const listening = now - this.startedAt < DEAD_MS && !adverts.some((a) => a.state === 'MASTER' && now - a.at <= DEAD_MS);
    const master = listening ? null : electMaster([...adverts, me], control, now);
    const next = master === this.o.id ? 'MASTER' : 'BACKUP';
    if (next !== this.state) {
      const previous = adverts.find((a) => a.state === 'MASTER');
      this.reason =
        next === 'MASTER'
          ? control?.demote && control.demote !== this.o.id
            ? control.reason
            : previous && now - previous.at > DEAD_MS
              ? `${previous.id} stopped advertising`
              : `priority ${effectivePriority(me, control)} is the highest on the segment`
          : control?.demote === this.o.id
            ? control.reason
            : `${master ?? 'a peer'} has the higher priority`;
      this.state = next;
      this.since = now;
    }
    writeJsonAtomic(path.join(this.o.dir, SIM_VRRP_ADVERTS_DIR, `${this.o.id}.json`), { id: this.o.id, priority: this.o.priority, state: this.state, at: now } satisfies SimAdvert);
    this.setVips(this.state === 'MASTER' ? new Set(this.o.vips()) : new Set());
  }

  private setVips(want: Set<string>): void {
    for (const v of this.held) if (!want.has(v)) this.o.sim.removeAddress(v);
    for (const v of want) if (!this.held.has(v)) this.o.sim.addAddress(v, this.o.iface ?? 'eth0');
    this.held = want;
  }

  async read(): Promise<VrrpInstance[]> {
    const control = readSimControl(this.o.dir);
    return [
      {
        name: SIM_VRRP_INSTANCE,
        kind: 'instance',
        state: this.state,
        priority: effectivePriority({ id: this.o.id, priority: this.o.priority }, control),
        since: new Date(this.since).toISOString(),
        source: 'sim',
        reason: this.reason.slice(0, 300),
      },
    ];
  }
}
