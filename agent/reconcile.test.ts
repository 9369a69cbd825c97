import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectorConfigSchema, type DirectorConfigInput } from '../lib/ipvs/model';
import { serviceKeyId } from '../lib/ipvs/keys';
import { configHash } from '../lib/ipvs/hash';
import { opToCommandLine } from '../lib/ipvs/ops';
import type { Op } from '../lib/ipvs/op';
import type { DesiredRevision, Report } from '../lib/protocol/messages';
import { SimEngine } from './engines/sim';
import { defaultKernelSysctls } from './engines/sim/kernel';
import type { ApplyResult } from './engines/engine';
import { Reconciler, type ReconcilerOptions } from './reconcile';
import { StateStore } from './state-store';
import { healthKey } from './health/monitor';
import { silentLogger } from './log';

type SvcInput = NonNullable<DirectorConfigInput['services']>[number];
const svc = (servers: Record<string, unknown>[], rest: Record<string, unknown> = {}) =>
  ({ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', realServers: servers, ...rest }) as unknown as SvcInput;
function rev(n: number, input: DirectorConfigInput, over: Partial<DesiredRevision> = {}): DesiredRevision {
  const config = DirectorConfigSchema.parse(input);
  return { cluster: 'c', revision: n, hash: configHash(config), createdAt: new Date(Date.now() - 1000).toISOString(), driftPolicy: 'enforce', config, ...over };
}

/** A sim whose applies are recorded, so tests can prove what was (not) touched. */
class RecordingSim extends SimEngine {
  applied: Op[][] = [];
  override async apply(ops: Op[]): Promise<ApplyResult> {
    this.applied.push(ops);
    return super.apply(ops);
  }
}

function setup(over: Partial<ReconcilerOptions> & { sim?: RecordingSim } = {}) {
  const sim = over.sim ?? new RecordingSim({ seed: 1 });
  const reports: Report[] = [];
  const r = new Reconciler({ engine: sim, store: null, report: (x) => reports.push(x), log: silentLogger, retry: { baseMs: 10, maxMs: 10 }, ...over });
  const of = <T extends Report['type']>(t: T) => reports.filter((x): x is Extract<Report, { type: T }> => x.type === t);
  return { sim, r, reports, of };
}

describe('Reconciler', () => {
  it('applies a revision, verifies and ACKs once; later passes touch nothing', async () => {
    const { sim, r, of } = setup();
    r.setDesired(rev(1, { services: [svc([{ address: '10.0.1.1', weight: 2 }, { address: '10.0.1.2' }])] }));
    await r.runPass(); // waits for the pass setDesired started, then runs one more
    expect(sim.applied).toHaveLength(1);
    expect(of('ack')).toEqual([expect.objectContaining({ revision: 1, opsApplied: 3 })]);
    expect(await sim.readConfig()).toEqual({
      ...rev(1, { services: [svc([{ address: '10.0.1.1', weight: 2 }, { address: '10.0.1.2' }])] }).config,
      globals: { timeouts: { tcp: 900, tcpfin: 120, udp: 300 }, syncDaemons: [], sysctls: defaultKernelSysctls() },
    });
    sim.applied = [];
    expect((await r.runPass()).kind).toBe('in-sync');
    expect((await r.runPass()).kind).toBe('in-sync');
    expect(sim.applied).toEqual([]);
    expect(of('ack')).toHaveLength(1);
    // a weight change is exactly one -e
    r.setDesired(rev(2, { services: [svc([{ address: '10.0.1.1', weight: 5 }, { address: '10.0.1.2' }])] }));
    await r.runPass();
    expect(sim.applied.map((ops) => ops.map(opToCommandLine))).toEqual([['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 5']]);
    expect(of('ack').map((a) => a.revision)).toEqual([1, 2]);
  });

  it('reports drift exactly and corrects it under enforce', async () => {
    const { sim, r, of } = setup();
    r.setDesired(rev(1, { services: [svc([{ address: '10.0.1.1', weight: 2 }])] }));
    await r.runPass();
    // someone types: ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 7 ; ipvsadm -A -t 10.0.0.9:80
    await sim.apply([
      {
        op: 'edit-server',
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.1', port: 80, forwarding: 'route', weight: 7, upperThreshold: 0, lowerThreshold: 0 },
      },
      { op: 'add-service', service: DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.9', port: 80 }] }).services[0]! },
    ]);
    sim.applied = [];
    await r.runPass();
    const drifted = of('state').find((s) => s.drift);
    expect(drifted!.drift!.ops.map(opToCommandLine)).toEqual(['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 2', 'ipvsadm -D -t 10.0.0.9:80']);
    expect(drifted!.drift!.summary).toMatch(/1 service removed/);
    expect(sim.applied.map((ops) => ops.map(opToCommandLine))).toEqual([['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 2', 'ipvsadm -D -t 10.0.0.9:80']]);
    expect(of('state').at(-1)!.drift).toBeNull();
    expect(r.drift).toBeNull();
  });

  it('leaves drift alone under report, and keeps flagging it', async () => {
    const { sim, r, of } = setup();
    r.setDesired(rev(1, { services: [svc([{ address: '10.0.1.1', weight: 2 }])] }, { driftPolicy: 'report' }));
    await r.runPass();
    await sim.apply([
      {
        op: 'edit-server',
        service: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        server: { address: '10.0.1.1', port: 80, forwarding: 'route', weight: 7, upperThreshold: 0, lowerThreshold: 0 },
      },
    ]);
    sim.applied = [];
    expect((await r.runPass()).kind).toBe('in-sync');
    expect((await r.runPass()).kind).toBe('in-sync');
    expect(sim.applied).toEqual([]);
    expect(r.drift!.ops.map(opToCommandLine)).toEqual(['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 2']);
    expect(of('state').at(-1)!.drift).not.toBeNull();
    expect((await sim.readConfig()).services[0]!.realServers[0]!.weight).toBe(7);
  });

  it("NACKs with the failed op and ipvsadm's message, keeps what worked, retries, and recovers on a fixed revision", async () => {
    const sim = new RecordingSim({ seed: 1, schedulers: ['rr', 'wrr', 'wlc'] });
    const { r, of } = setup({ sim, retry: { baseMs: 60_000, maxMs: 60_000 } });
    const bad = rev(1, { services: [svc([{ address: '10.0.1.1' }]), { protocol: 'tcp', address: '10.0.0.2', port: 80, scheduler: 'twos', realServers: [{ address: '10.0.2.1' }] } as SvcInput] });
    r.setDesired(bad);
    await r.runPass();
    const nack = of('nack')[0]!;
    expect(nack).toMatchObject({ revision: 1, message: 'Scheduler or persistence engine not found', command: 'ipvsadm -A -t 10.0.0.2:80 -s twos', opsApplied: 2, exitCode: 255 });
    expect(nack.failedOp).toMatchObject({ op: 'add-service', service: { address: '10.0.0.2', scheduler: 'twos' } });
    expect((await sim.readConfig()).services.map(serviceKeyId)).toEqual(['tcp|10.0.0.1|80']); // the good part stays
    const attempts = sim.applied.length;
    expect((await r.runPass('timer')).kind).toBe('error'); // backing off: the periodic pass does not hammer the kernel
    expect(sim.applied).toHaveLength(attempts);
    await r.runPass('requested'); // an explicit request retries (and fails the same way): still one NACK
    expect(sim.applied).toHaveLength(attempts + 1);
    expect(of('nack')).toHaveLength(1);
    expect(of('ack')).toHaveLength(0);
    r.setDesired(rev(2, { services: [svc([{ address: '10.0.1.1' }]), { protocol: 'tcp', address: '10.0.0.2', port: 80, scheduler: 'rr', realServers: [{ address: '10.0.2.1' }] } as SvcInput] }));
    await r.runPass();
    expect(of('ack').map((a) => a.revision)).toEqual([2]);
    await r.stop();
  });

  it('refuses a revision whose hash does not match its config, without touching the kernel', async () => {
    const { sim, r, of } = setup();
    r.setDesired({ ...rev(1, { services: [svc([{ address: '10.0.1.1' }])] }), hash: 'sha256:0000' });
    expect((await r.runPass()).kind).toBe('rejected');
    expect((await r.runPass()).kind).toBe('rejected');
    expect(sim.applied).toEqual([]);
    expect(of('nack')).toHaveLength(1);
    expect(of('nack')[0]!.message).toMatch(/^hash mismatch/);
  });

  it('applies health verdicts as an overlay: quiesce keeps the server at weight 0, the ACK names the revision', async () => {
    let unhealthy = new Set<string>();
    const { sim, r, of } = setup({ unhealthy: () => unhealthy });
    const hc = { type: 'tcp', onFailure: 'quiesce' };
    r.setDesired(
      rev(1, {
        services: [
          svc(
            [
              { address: '10.0.1.1', weight: 3 },
              { address: '10.0.1.2', weight: 3 },
            ],
            { healthCheck: hc },
          ),
        ],
      }),
    );
    await r.runPass();
    unhealthy = new Set([healthKey({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { address: '10.0.1.2', port: 80 })]);
    sim.applied = [];
    await r.runPass();
    expect(sim.applied.map((ops) => ops.map(opToCommandLine))).toEqual([['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0']]);
    expect(r.drift).toBeNull(); // our own overlay is not drift
    unhealthy = new Set();
    await r.runPass();
    expect(sim.applied.at(-1)!.map(opToCommandLine)).toEqual(['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 3']);
    expect(of('ack').map((a) => a.revision)).toEqual([1]);
  });

  it('drains: weight 0 while connections remain, delete when they are gone, progress reported', async () => {
    const sim = new RecordingSim({ seed: 1 });
    const { r, of } = setup({ sim });
    r.setDesired(rev(1, { services: [svc([{ address: '10.0.1.1' }, { address: '10.0.1.2' }])] }));
    await r.runPass();
    const held = Array.from({ length: 6 }, (_, i) => sim.request({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, `10.9.0.${i + 1}`, { hold: true }));
    sim.tick(100);
    r.setDesired(rev(2, { services: [svc([{ address: '10.0.1.1' }, { address: '10.0.1.2', drain: { timeout: 600 } }])] }));
    await r.runPass();
    const live = await sim.readConfig();
    expect(live.services[0]!.realServers.find((x) => x.address === '10.0.1.2')!.weight).toBe(0);
    const progress = of('drain').at(-1)!.drains[0]!;
    expect(progress).toMatchObject({ server: { address: '10.0.1.2', port: 80 }, done: false });
    const initial = progress.activeConns + progress.inactConns;
    expect(initial).toBeGreaterThan(0);
    expect(progress.initialConns).toBe(initial);
    for (const h of held) h.close();
    sim.tick(300_000); // FIN_WAIT / TIME_WAIT expire
    await r.runPass();
    expect((await sim.readConfig()).services[0]!.realServers.map((x) => x.address)).toEqual(['10.0.1.1']);
    const finished = of('drain').at(-1)!.drains[0]!;
    // the progress bar's 100% is the count when the drain began, not the count now
    expect(finished).toMatchObject({ done: true, activeConns: 0, inactConns: 0, initialConns: initial });
  });

  it('resumes from the state file after a restart without touching matching rules', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-rec-'));
    try {
      const sim = new RecordingSim({ seed: 1 });
      const store = new StateStore(dir);
      const first = setup({ sim, store });
      const r1 = rev(4, { services: [svc([{ address: '10.0.1.1' }])] });
      first.r.setDesired(r1);
      await first.r.runPass();
      sim.applied = [];
      const second = setup({ sim, store: new StateStore(dir) });
      expect(second.r.lastAppliedRevision).toBe(4);
      expect(second.r.useSavedDesired()).toBe(true); // control plane away: converge on the saved intent
      await second.r.runPass();
      expect(sim.applied).toEqual([]);
      expect(second.of('ack')).toEqual([expect.objectContaining({ revision: 4, opsApplied: 0 })]);
      await second.r.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
