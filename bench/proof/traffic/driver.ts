// The agent side of the traffic lab, run INSIDE the guest (bundled to one file, as the agent is):
// the agent's own Reconciler on the real kernel through the engine under test (netlink or
// ipvsadm), fed revisions and health verdicts by the proof on the host. So every op on the kernel
// is the product's plan, applied and verified by the product's pass. The host talks to it through
// files in DIR (req-N.json in, res-N.json out), one request at a time; times are the guest's clock,
// the same clock as the load generator's.
import fs from 'node:fs';
import path from 'node:path';
import { createEngine, type EngineKind } from '@/agent/engines/create';
import { silentLogger } from '@/agent/log';
import { Reconciler, type PassOutcome } from '@/agent/reconcile';
import { configHash } from '@/lib/ipvs/hash';
import type { DirectorConfig } from '@/lib/ipvs/model';
import type { DriverReply, DriverRequest } from './protocol';

const [kind, dir] = process.argv.slice(2) as [EngineKind, string];
fs.mkdirSync(dir, { recursive: true });
const created = await createEngine({ engine: kind });
const engine = created.engine;
let unhealthy = new Set<string>();
// no periodic passes: every pass is one the proof asked for, so each is previewed first
const reconciler = new Reconciler({ engine, store: null, report: () => undefined, log: silentLogger, unhealthy: () => unhealthy, intervalMs: 3_600_000 });
/** who waits for the pass a new revision starts */
let waiter: ((o: PassOutcome) => void) | null = null;
reconciler.onPass = (o) => {
  waiter?.(o);
  waiter = null;
};

async function handle(r: DriverRequest): Promise<DriverReply> {
  switch (r.cmd) {
    case 'read': {
      const now = Date.now();
      const [actual, stats] = [await engine.readConfig(), await engine.readStats()];
      return { now, actual, stats };
    }
    case 'apply': {
      unhealthy = new Set(r.unhealthy);
      const t0 = Date.now();
      let outcome: PassOutcome;
      if (r.revision === reconciler.desiredRevision) outcome = await reconciler.runPass('proof');
      else {
        const done = new Promise<PassOutcome>((resolve) => (waiter = resolve));
        const config: DirectorConfig = r.config;
        reconciler.setDesired({ cluster: 'traffic', revision: r.revision, hash: configHash(config), createdAt: new Date(r.createdAt).toISOString(), driftPolicy: 'enforce', config });
        outcome = await done;
      }
      return { t0, t1: Date.now(), outcome, timings: reconciler.lastTimings };
    }
    case 'stop':
      await reconciler.stop();
      await created.close();
      setTimeout(() => process.exit(0), 50);
      return { stopped: true };
  }
}

let next = 1;
let busy = false;
setInterval(() => {
  if (busy) return;
  const req = path.join(dir, `req-${next}.json`);
  if (!fs.existsSync(req)) return;
  busy = true;
  const n = next++;
  const write = (reply: unknown) => {
    fs.writeFileSync(path.join(dir, `res-${n}.tmp`), JSON.stringify(reply));
    fs.renameSync(path.join(dir, `res-${n}.tmp`), path.join(dir, `res-${n}.json`));
    busy = false;
  };
  handle(JSON.parse(fs.readFileSync(req, 'utf8')) as DriverRequest).then(write, (e: Error) => write({ error: e.stack ?? e.message }));
}, 20);
fs.writeFileSync(path.join(dir, 'ready'), String(process.pid));
