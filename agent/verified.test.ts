// The `verified` report (issue 16): a pass that finds the live table as last reported sends a tiny
// `verified` naming that table's hash, at most one per 5 s, instead of nothing; a changed table
// is a `state` as before.
import { describe, expect, it } from 'vitest';
import { configHash } from '../lib/ipvs/hash';
import { DirectorConfigSchema } from '../lib/ipvs/model';
import type { DesiredRevision, Report } from '../lib/protocol/messages';
import { SimEngine } from './engines/sim';
import { silentLogger } from './log';
import { Reconciler } from './reconcile';

describe('verified reports', () => {
  it('one per unchanged pass, throttled to one per 5 s, with the live table hash', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z');
    const reports: Report[] = [];
    const sim = new SimEngine({ seed: 1 });
    const r = new Reconciler({ engine: sim, store: null, report: (x) => reports.push(x), log: silentLogger, now: () => new Date(now) });
    const config = DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'rr', realServers: [{ address: '10.0.1.1' }] }] });
    const rev: DesiredRevision = { cluster: 'c', revision: 3, hash: configHash(config), createdAt: new Date(now).toISOString(), driftPolicy: 'enforce', config };
    r.setDesired(rev);
    await r.runPass();
    const of = (t: Report['type']) => reports.filter((x) => x.type === t);
    expect(of('state')).toHaveLength(1);
    const before = of('verified').length;

    now += 10_000;
    await r.runPass();
    const live = await sim.readConfig();
    expect(of('verified').slice(before)).toEqual([{ type: 'verified', revision: 3, hash: configHash(live), at: new Date(now).toISOString() }]);
    now += 2_000; // a pass soon after: nothing more
    await r.runPass();
    expect(of('verified')).toHaveLength(before + 1);
    now += 10_000;
    await r.runPass();
    expect(of('verified')).toHaveLength(before + 2);
    expect(of('state')).toHaveLength(1);
  });
});
