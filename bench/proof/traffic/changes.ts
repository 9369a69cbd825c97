// The seeded sequence of changes the traffic lab applies while traffic flows. Each step is what an
// operator (or a health check) does: a new desired config (a new revision), or new health verdicts
// / a drain's deadline passing (another pass of the same revision). The agent plans and applies
// each; this file only decides WHAT changes. Every kind appears once early (in a seeded order),
// then kinds are drawn at random; two kinds deliberately cut connections: removing a server without
// draining (every 10th step) and changing the NAT service's key (:80 <-> :0 persistent, every 20th).
// No step leaves a service without a server that takes new connections: that would refuse new
// connections by design, which is not what the lab measures.
import { DirectorConfigSchema, type DirectorConfig, type RealServer, type VirtualService } from '@/lib/ipvs/model';
import { serverKeyId } from '@/lib/ipvs/keys';
import { rng } from '@/agent/testing/rng';
import { FORWARDING, INITIAL, PORT, SERVERS, VIP, type Kind } from './lab';

export const SAFE_KINDS = ['weight', 'scheduler', 'persistence', 'threshold', 'add-server', 'quiesce', 'unquiesce', 'drain', 'health-fail', 'health-recover', 'timeouts'] as const;
export const CUT_KINDS = ['remove', 'key-change'] as const;
export type StepKind = (typeof SAFE_KINDS)[number] | (typeof CUT_KINDS)[number] | 'drain-finish';

/** A drained server is removed this long after its revision (its long-lived connections have rotated away by then). */
export const DRAIN_S = 5;

export interface Step {
  kind: StepKind;
  label: string;
  /** the desired config of this step's revision */
  config: DirectorConfig;
  /** a new revision (else: one more pass of the current one) */
  newRevision: boolean;
  /** serverKeyIds the health checks judge failing */
  unhealthy: string[];
  /** drain-finish: wait until the drain's deadline (revision time + DRAIN_S) has passed */
  afterDrainDeadline?: boolean;
}

const HEALTH_CHECK = { type: 'tcp', interval: 5, timeout: 2, rise: 2, fall: 3, onFailure: 'quiesce' } as const;

export function initialConfig(): DirectorConfig {
  return DirectorConfigSchema.parse({
    services: (Object.keys(VIP) as Kind[]).map((k) => ({
      protocol: 'tcp',
      address: VIP[k],
      port: PORT,
      scheduler: 'wrr',
      healthCheck: HEALTH_CHECK,
      realServers: SERVERS[k].slice(0, INITIAL[k]).map((a) => ({ address: a, port: PORT, forwarding: FORWARDING[k], weight: 1 })),
    })),
  });
}

/** The lab has TCP services only. */
type LabService = Exclude<VirtualService, { protocol: 'fwmark' }>;
const lab = (c: DirectorConfig) => c.services as LabService[];

const kindOf = (s: LabService): Kind => (Object.keys(VIP) as Kind[]).find((k) => VIP[k] === s.address)!;

export class Scenario {
  private config = initialConfig();
  private unhealthy = new Set<string>();
  private draining: string | null = null;
  private readonly random: () => number;
  private readonly firstRound: StepKind[];
  private readonly quiescedFrom = new Map<string, number>();
  private i = 0;

  constructor(seed: number) {
    this.random = rng(seed);
    const kinds: StepKind[] = [...SAFE_KINDS];
    for (let k = kinds.length - 1; k > 0; k--) {
      const j = Math.floor(this.random() * (k + 1));
      [kinds[k], kinds[j]] = [kinds[j]!, kinds[k]!];
    }
    this.firstRound = kinds;
  }

  get initial(): DirectorConfig {
    return initialConfig();
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  /** A real server takes new connections: weight > 0, not draining, not failing its health check. */
  private serving(s: LabService, r: Pick<RealServer, 'address' | 'weight' | 'drain'> & { port?: number }): boolean {
    return r.weight > 0 && !r.drain && !this.unhealthy.has(serverKeyId(s, r));
  }

  /** (service, server) pairs that can stop taking new connections with the service still served. */
  private removable(): [number, number][] {
    const out: [number, number][] = [];
    lab(this.config).forEach((s, si) => {
      const serving = s.realServers.filter((r) => this.serving(s, r));
      if (serving.length < 2) return;
      s.realServers.forEach((r, ri) => this.serving(s, r) && out.push([si, ri]));
    });
    return out;
  }

  private edit(fn: (c: DirectorConfig) => void): DirectorConfig {
    const c = structuredClone(this.config);
    fn(c);
    return DirectorConfigSchema.parse(c);
  }

  /** The next step, or null when its kind cannot apply now (the caller draws again). */
  private build(kind: StepKind): Step | null {
    const step = (label: string, config: DirectorConfig, newRevision = true): Step => ({ kind, label, config, newRevision, unhealthy: [...this.unhealthy] });
    const svcIdx = Math.floor(this.random() * lab(this.config).length);
    const svc = lab(this.config)[svcIdx]!;
    const name = (s: LabService, r?: { address: string }) => `${s.address}:${s.port}${r ? ` ${r.address}` : ''}`;
    switch (kind) {
      case 'weight': {
        const ri = svc.realServers.findIndex((r) => this.serving(svc, r));
        if (ri < 0) return null;
        const drawn = 1 + Math.floor(this.random() * 10);
        const w = drawn === svc.realServers[ri]!.weight ? (drawn % 10) + 1 : drawn;
        return step(
          `weight of ${name(svc, svc.realServers[ri])} -> ${w}`,
          this.edit((c) => (lab(c)[svcIdx]!.realServers[ri]!.weight = w)),
        );
      }
      case 'scheduler': {
        const sched = this.pick(['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq'].filter((x) => x !== svc.scheduler));
        return step(
          `scheduler of ${name(svc)} -> ${sched}`,
          this.edit((c) => (lab(c)[svcIdx]!.scheduler = sched as VirtualService['scheduler'])),
        );
      }
      case 'persistence': {
        if (svc.port === 0) return null;
        const timeout = 30 + Math.floor(this.random() * 90);
        return step(
          svc.persistence ? `persistence of ${name(svc)} off` : `persistence of ${name(svc)} ${timeout} s`,
          this.edit((c) => {
            const s = lab(c)[svcIdx]!;
            if (s.persistence) delete s.persistence;
            else s.persistence = { timeout };
          }),
        );
      }
      case 'threshold': {
        const ri = Math.floor(this.random() * svc.realServers.length);
        const upper = 500 + Math.floor(this.random() * 1500);
        const lower = Math.floor(upper / 4);
        return step(
          `thresholds of ${name(svc, svc.realServers[ri])} -> ${lower}..${upper}`,
          this.edit((c) => Object.assign(lab(c)[svcIdx]!.realServers[ri]!, { upperThreshold: upper, lowerThreshold: lower })),
        );
      }
      case 'add-server': {
        const k = kindOf(svc);
        const spare = SERVERS[k].filter((a) => !svc.realServers.some((r) => r.address === a));
        if (!spare.length) return null;
        const a = this.pick(spare);
        return step(
          `add ${name(svc, { address: a })}`,
          this.edit((c) => lab(c)[svcIdx]!.realServers.push({ address: a, port: PORT, forwarding: FORWARDING[k], weight: 1, upperThreshold: 0, lowerThreshold: 0 })),
        );
      }
      case 'quiesce':
      case 'drain':
      case 'health-fail':
      case 'remove': {
        const all = this.removable();
        if (!all.length) return null;
        const [si, ri] = this.pick(all);
        const s = lab(this.config)[si]!;
        const r = s.realServers[ri]!;
        const id = serverKeyId(s, r);
        if (kind === 'health-fail') {
          this.unhealthy.add(id);
          return step(`health check of ${name(s, r)} fails (quiesce)`, this.config, false);
        }
        if (kind === 'drain') {
          this.draining = id;
          return step(
            `drain ${name(s, r)} (timeout ${DRAIN_S} s)`,
            this.edit((c) => (lab(c)[si]!.realServers[ri]!.drain = { timeout: DRAIN_S })),
          );
        }
        if (kind === 'quiesce') {
          this.quiescedFrom.set(id, r.weight);
          return step(
            `quiesce ${name(s, r)}`,
            this.edit((c) => (lab(c)[si]!.realServers[ri]!.weight = 0)),
          );
        }
        return step(
          `remove ${name(s, r)} without draining`,
          this.edit((c) => lab(c)[si]!.realServers.splice(ri, 1)),
        );
      }
      case 'unquiesce': {
        const found = lab(this.config).flatMap((s, si) => s.realServers.map((r, ri) => [si, ri] as const).filter(([, ri]) => s.realServers[ri]!.weight === 0 && !s.realServers[ri]!.drain));
        if (!found.length) return null;
        const [si, ri] = this.pick(found);
        const s = lab(this.config)[si]!;
        const r = s.realServers[ri]!;
        const w = this.quiescedFrom.get(serverKeyId(s, r)) ?? 1;
        return step(
          `unquiesce ${name(s, r)} -> ${w}`,
          this.edit((c) => (lab(c)[si]!.realServers[ri]!.weight = w)),
        );
      }
      case 'health-recover': {
        if (!this.unhealthy.size) return null;
        const id = this.pick([...this.unhealthy]);
        this.unhealthy.delete(id);
        return step(`health check of ${id} passes again`, this.config, false);
      }
      case 'timeouts': {
        const t = { tcp: 300 + Math.floor(this.random() * 600), tcpfin: 30 + Math.floor(this.random() * 90), udp: 300 };
        return step(
          `timeouts tcp ${t.tcp} tcpfin ${t.tcpfin} udp ${t.udp}`,
          this.edit((c) => (c.globals.timeouts = t)),
        );
      }
      case 'key-change': {
        const si = lab(this.config).findIndex((s) => s.address === VIP.nat);
        const s = lab(this.config)[si]!;
        const toZero = s.port !== 0;
        return step(
          toZero ? `key of ${name(s)} -> ${s.address}:0 (all ports, persistent)` : `key of ${name(s)} -> ${s.address}:${PORT}`,
          this.edit((c) => {
            const x = lab(c)[si]!;
            x.port = toZero ? 0 : PORT;
            if (toZero) x.persistence = { timeout: 60 };
            else delete x.persistence;
            // the health verdicts follow the servers to the new key
            for (const r of x.realServers) if (this.unhealthy.delete(serverKeyId(s, r))) this.unhealthy.add(serverKeyId(x, r));
          }),
        );
      }
      case 'drain-finish': {
        const id = this.draining!;
        this.draining = null;
        // the pass that removes it runs on the drain's revision; the operator's next revision leaves it out
        const step0: Step = { kind, label: `drain of ${id} done: its deadline passed`, config: this.config, newRevision: false, unhealthy: [...this.unhealthy], afterDrainDeadline: true };
        return step0;
      }
    }
  }

  /** The next change: applied by the caller, after which `commit(step)` makes it the current state. */
  next(): Step {
    const i = this.i++;
    if (this.draining) return this.build('drain-finish')!;
    const forced: StepKind | null = i % 20 === 12 ? 'key-change' : i % 10 === 4 ? 'remove' : (this.firstRound.shift() ?? null);
    for (let tries = 0; ; tries++) {
      const kind = forced && tries === 0 ? forced : tries < 20 ? this.pick(SAFE_KINDS) : 'weight';
      if (kind === 'drain' && (i % 10 === 3 || i % 20 === 11)) continue; // its finish would take the slot of a cut
      const s = this.build(kind);
      if (s) return s;
    }
  }

  /** Make the step's config current (a finished drain: without the drained server, as the operator's next revision has it). */
  commit(step: Step): void {
    this.config = step.config;
    if (step.kind === 'drain-finish')
      this.config = this.edit((c) => {
        for (const s of lab(c)) {
          const kept = s.realServers.filter((r) => !r.drain);
          s.realServers.splice(0, s.realServers.length, ...kept);
        }
      });
  }
}
