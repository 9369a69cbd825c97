// Control plane figures, measured side by side on a throw-away SQLite database:
//  - push of one revision to N connected agents: one broadcast (one read, one frame) vs what one
//    read per agent would cost;
//  - commit of a change set on a 1,000-service cluster (apply, validate, plan preview, write);
//  - stats ingest of one sample of a 1,000-service director, and a live query over it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../lib/server/migrate';

const sys = { actor: 'bench', clientIp: null };
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-bench-'));
  process.env.DATABASE_URL = `file:${path.join(dir, 'bench.db')}`;
  process.env.LVS_SCRYPT_LOG2N ??= '12';
  await migrateDatabase(process.env.DATABASE_URL);
  const { createCluster } = await import('../lib/server/clusters');
  const { registerDirector } = await import('../lib/server/directors');
  const { commitChangeSet, previewChangeSet } = await import('../lib/server/revisions');
  const { hub } = await import('../lib/server/hub');
  const { statsStore } = await import('../lib/server/stats');
  const { closeDb } = await import('../lib/server/db');
  const { sseResponse } = await import('../lib/server/sse');
  void sseResponse;

  try {
    // ---- fan-out -------------------------------------------------------------------------
    for (const n of [10, 100, 1000]) {
      const name = `fan${n}`;
      await createCluster({ name, description: '', driftPolicy: 'enforce' }, sys);
      const readers: Promise<void>[] = [];
      const tokens: string[] = [];
      for (let i = 0; i < n; i++) tokens.push((await registerDirector(name, `d${i}`, sys, 'http://x')).token);
      const { authenticateDirector } = await import('../lib/server/auth/principal');
      const bodies: ReadableStreamDefaultReader<Uint8Array>[] = [];
      for (const token of tokens) {
        const req = new Request('http://x/api/v1/agent/stream', { headers: { authorization: `Bearer ${token}` } });
        const res = await hub.openAgentStream(await authenticateDirector(req), req);
        bodies.push(res.body!.getReader());
      }
      // drain the first event of every stream
      await Promise.all(
        bodies.map(async (r) => {
          let s = '';
          while (!s.includes('event: desired')) s += new TextDecoder().decode((await r.read()).value);
        }),
      );
      const waitAll = bodies.map(async (r) => {
        let s = '';
        while (!s.includes('"revision":2')) s += new TextDecoder().decode((await r.read()).value);
      });
      readers.push(...waitAll);
      const reads = hub.desiredReads;
      const t = performance.now();
      await commitChangeSet(
        name,
        {
          baseRevision: 1,
          message: 'go',
          changes: [
            {
              op: 'add-service',
              service: {
                protocol: 'tcp',
                address: '10.1.0.1',
                port: 80,
                scheduler: 'wlc',
                schedFlags: [],
                onePacket: false,
                realServers: [{ address: '10.1.1.1', port: 80, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 }],
              } as never,
            },
          ],
        },
        sys,
      );
      await Promise.all(readers);
      const pushed = performance.now() - t;
      const reads1 = hub.desiredReads - reads;
      const t2 = performance.now();
      for (let i = 0; i < n; i++) await hub.desired((await (await import('../lib/server/revisions')).findCluster(name)).id);
      const perAgent = performance.now() - t2;
      console.log(
        `push to ${String(n).padStart(4)} agents: commit→all received ${pushed.toFixed(1)} ms with ${reads1} read(s); one read per agent would add ${perAgent.toFixed(1)} ms (${(perAgent / pushed).toFixed(1)}× the whole push)`,
      );
      hub.closeAll();
      for (const r of bodies) await r.cancel().catch(() => undefined);
    }

    // ---- commit on a big cluster -----------------------------------------------------------
    const services = Array.from({ length: 1000 }, (_, i) => ({
      protocol: 'tcp' as const,
      address: `10.${2 + (i >> 8)}.${i & 255}.1`,
      port: 80,
      scheduler: 'wrr' as const,
      realServers: Array.from({ length: 4 }, (_, j) => ({ address: `10.100.${i & 255}.${10 + j}`, port: 80, weight: 1 })),
    }));
    let t = performance.now();
    await createCluster({ name: 'big', description: '', driftPolicy: 'enforce', config: { globals: { timeouts: null, syncDaemons: [] }, services } as never }, sys);
    console.log(`create a 1,000-service / 4,000-server cluster: ${ms(t)}`);
    await registerDirector('big', 'lb1', sys, 'http://x');
    const change = {
      baseRevision: 1,
      message: 'weight',
      changes: [{ op: 'edit-server' as const, service: { protocol: 'tcp' as const, address: '10.2.7.1', port: 80 }, server: { address: '10.100.7.10', port: 80 }, set: { weight: 5 } }],
    };
    t = performance.now();
    await previewChangeSet('big', change as never);
    console.log(`plan preview of one weight change on it: ${ms(t)}`);
    t = performance.now();
    await commitChangeSet('big', change as never, sys);
    console.log(`commit of that change (apply, validate, preview, write, audit): ${ms(t)}`);

    // ---- stats -------------------------------------------------------------------------------
    const z = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
    const rates = { cps: 3, inpps: 30, outpps: 20, inbps: 3000, outbps: 20000 };
    const sample = (at: number) => ({
      at,
      totals: { counters: z, rates },
      services: services.map((s) => ({
        service: { protocol: s.protocol, address: s.address, port: s.port },
        counters: z,
        rates,
        realServers: s.realServers.map((r) => ({ address: r.address, port: 80, activeConns: 2, inactConns: 1, persistConns: 0, counters: z, rates })),
      })),
    });
    const { db } = await import('../lib/server/db');
    const lb = await (await db()).director.findFirstOrThrow({ where: { name: 'lb1' } });
    // 59 samples inside one minute: the per-second path (rings and rollup accumulation)
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const batch = Array.from({ length: 59 }, (_, i) => sample(minute + i * 1000));
    t = performance.now();
    await statsStore.ingest(lb.id, lb.clusterId, batch);
    console.log(`stats ingest: ${((performance.now() - t) / 59).toFixed(2)} ms per sample of 5,001 series (1,000 services × 4 servers + totals)`);
    t = performance.now();
    await statsStore.ingest(lb.id, lb.clusterId, [sample(minute + 60_000)]);
    console.log(`closing a minute: ${ms(t)} (one sample + 5,001 rollup rows written)`);
    t = performance.now();
    const live = statsStore.live({ director: { id: lb.id, name: 'lb1' } }, [], 3600);
    console.log(`live query, director scope, 1 h (breakdown of ${live.breakdown.length} services): ${ms(t)}`);
  } finally {
    hub.closeAll();
    await closeDb();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
