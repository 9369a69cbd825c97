// Load over real HTTP: save → ACK latency with 100 and with N connected agents, stats ingest from
// N directors × `servers` real servers at 1 Hz with 100 browser streams open, and a restart of the
// console under the whole fleet. The console is its own process; the agents are real daemons on
// simulated kernels in another (agents-process.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleProcess } from './console';
import { FleetProcess } from './fleet-client';
import { int, options, sleep, type Proof, type ProofResult } from './kit';
import { api, CLUSTER, fleetConfig, seed } from './setup';
import { ackLatencies, fleetInSync, p, restartUnderFleet } from './steps';

/** The goals; ACK p99 depends on the fleet size. */
export const FLEET_GOALS = { ackP99At100Ms: 250, ackP99At1000Ms: 2000, ingestCpuPct: 100, ingestRssMb: 1024, reconnectAllMs: 10_000 };

/** Open `n` browser stats streams (a director's live chart each) and keep reading them. */
function browserStreams(base: string, operator: string, n: number, directors: number) {
  const ac = new AbortController();
  let bytes = 0;
  let open = 0;
  const done = Array.from({ length: n }, async (_, i) => {
    const name = `d${String(i % directors).padStart(4, '0')}`;
    try {
      const res = await fetch(`${base}/api/v1/clusters/${CLUSTER}/stats/stream?director=${name}&backfill=1m`, { headers: { authorization: `Bearer ${operator}` }, signal: ac.signal });
      if (!res.ok || !res.body) throw new Error(`stats stream: HTTP ${res.status}`);
      open++;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    } finally {
      open--;
    }
  });
  return {
    get bytes() {
      return bytes;
    },
    get open() {
      return open;
    },
    async close() {
      ac.abort();
      await Promise.allSettled(done);
    },
  };
}

export const fleet: Proof = {
  summary: 'save → ACK with 100 and N agents, stats ingest N × servers at 1 Hz with 100 browser streams, reconnect of N agents',
  async run(argv, log): Promise<ProofResult> {
    const o = options(argv, {
      agents: { type: 'string', default: '1000' },
      servers: { type: 'string', default: '100' },
      commits: { type: 'string', default: '5' },
      'ingest-s': { type: 'string', default: '30' },
      browsers: { type: 'string', default: '100' },
      'database-url': { type: 'string' },
      'cpu-prof': { type: 'string' },
    });
    const n = int(o.agents, 'agents', 1);
    const servers = int(o.servers, 'servers', 10);
    const commits = int(o.commits, 'commits', 1);
    const ingestS = int(o['ingest-s'], 'ingest-s', 5);
    const browsers = int(o.browsers, 'browsers', 0);
    const first = Math.min(100, n);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-proof-fleet-'));
    log(`seeding ${n} directors with ${servers} real servers each`);
    const seeded = await seed({ directors: n, config: fleetConfig(10, Math.ceil(servers / 10)), databaseUrl: o['database-url'], dir: tmp });
    let konsole: ConsoleProcess | null = null;
    let agents: FleetProcess | null = null;
    let streams: ReturnType<typeof browserStreams> | null = null;
    try {
      konsole = await ConsoleProcess.start({ databaseUrl: seeded.databaseUrl, cpuProfDir: o['cpu-prof'] });
      const call = api(konsole.url, seeded.operator);
      agents = await FleetProcess.spawn(o['cpu-prof']);
      const bootMs = (t: number) => Date.now() - t;

      // ---- 100 agents ----------------------------------------------------------------------
      let t = Date.now();
      await agents.send({ cmd: 'start', server: konsole.url, tokens: seeded.tokens.slice(0, first), first: 0, statsIntervalMs: 1000 });
      await fleetInSync(agents, first, 1, 120_000);
      log(`${first} agents connected and in sync in ${bootMs(t)} ms; ${commits} commits…`);
      const at100 = await ackLatencies(call, agents, first, commits);

      // ---- N agents ------------------------------------------------------------------------
      let atN = at100;
      if (n > first) {
        t = Date.now();
        await agents.send({ cmd: 'start', server: konsole.url, tokens: seeded.tokens.slice(first), first, statsIntervalMs: 1000 });
        await fleetInSync(agents, n, at100.revision, 300_000);
        log(`${n} agents connected and in sync in ${bootMs(t)} ms; ${commits} commits…`);
        atN = await ackLatencies(call, agents, n, commits);
      }
      const initialOps = n * (10 + 10 * Math.ceil(servers / 10)); // every agent builds the table once
      const expectedOps = initialOps + first * commits + (n > first ? n * commits : 0);

      // ---- ingest with browser streams open --------------------------------------------------
      streams = browserStreams(konsole.url, seeded.operator, browsers, n);
      await sleep(5000); // let every agent flush a batch and the streams settle
      const cpu0 = konsole.cpuSeconds();
      const w0 = Date.now();
      let rss = 0;
      for (let s = 0; s < ingestS; s++) {
        await sleep(1000);
        rss = Math.max(rss, konsole.rssMb());
      }
      const ingestCpuPct = ((konsole.cpuSeconds() - cpu0) / ((Date.now() - w0) / 1000)) * 100;
      const streamBytes = streams.bytes;
      const streamsOpen = streams.open;
      const fleetDuring = await agents.status();
      await streams.close();
      streams = null;
      log(`ingest: ${ingestCpuPct.toFixed(0)}% of a core, ${rss.toFixed(0)} MB RSS; restarting the console under ${n} agents…`);

      // ---- restart -------------------------------------------------------------------------
      const restart = await restartUnderFleet(konsole, agents, call, n, atN.revision);
      const end = await agents.status();
      const logged = await agents.send<[string, number][]>({ cmd: 'logged' });
      const opsOnUnchanged = end.ops - expectedOps;

      const json = {
        agents: n,
        ackP50Ms: p(atN.latencies, 50),
        ackP99Ms: p(atN.latencies, 99),
        reconnectAllMs: restart.syncedMs,
        opsOnUnchanged,
        ingestCpuPct: Math.round(ingestCpuPct),
        ingestRssMb: Math.round(rss),
      };
      const ackGoal = n >= 1000 ? FLEET_GOALS.ackP99At1000Ms : FLEET_GOALS.ackP99At100Ms;
      return {
        json: {
          ...json,
          agentLog: Object.fromEntries(logged.slice(0, 4)),
          ackAt100: { agents: first, ackP50Ms: p(at100.latencies, 50), ackP99Ms: p(at100.latencies, 99) },
          realServersPerAgent: 10 * Math.ceil(servers / 10),
          browserStreams: browsers,
          cores: os.cpus().length,
          commitP50Ms: p(atN.commits, 50),
          loadAvg1m: Number(os.loadavg()[0]!.toFixed(1)),
        },
        rows: [
          ['agents', n],
          ['real servers per agent', 10 * Math.ceil(servers / 10)],
          ...(n > first ? [[`save → ACK at ${first} agents, p50 / p99`, `${p(at100.latencies, 50)} / ${p(at100.latencies, 99)} ms (${at100.latencies.length} ACKs)`] as [string, string]] : []),
          [`save → ACK at ${n} agents, p50 / p99`, `${json.ackP50Ms} / ${json.ackP99Ms} ms (${atN.latencies.length} ACKs)`],
          [`of which the save answered, p50 / max`, `${p(atN.commits, 50)} / ${Math.max(...atN.commits)} ms`],
          ['load average (1 min) at the end', os.loadavg()[0]!.toFixed(1)],
          ['ingest: console CPU', `${json.ingestCpuPct}% of one core over ${ingestS} s (${(n * 10 * Math.ceil(servers / 10)).toLocaleString('en')} real-server rows/s)`],
          ['ingest: console RSS (max)', `${json.ingestRssMb} MB`],
          ['browser streams open / bytes read', `${streamsOpen} / ${streamBytes.toLocaleString('en')}`],
          ['stats waiting on the agents / dropped', `${fleetDuring.buffered} samples / ${fleetDuring.dropped}`],
          ['agent-fleet process event-loop delay p99', `${fleetDuring.lagP99Ms} ms (how late the harness itself ran)`],
          ['console restart: answering again after', `${restart.upMs} ms`],
          ['console restart: all hellos after', `${restart.allInMs} ms`],
          ['console restart: all connected + in sync after', `${restart.syncedMs} ms`],
          ['ops on unchanged rules (whole run)', `${opsOnUnchanged} (of ${end.ops} ops; ${expectedOps} expected)`],
          ['ops during the restart', restart.opsDuring],
          ['agent errors logged', end.errors],
          ...logged.slice(0, 4).map(([k, c]) => [`agents logged ×${c}`, k] as [string, string]),
        ],
        goals: [
          ...(n > first
            ? [{ name: `ACK p99 at ${first} agents < ${FLEET_GOALS.ackP99At100Ms} ms`, ok: p(at100.latencies, 99) < FLEET_GOALS.ackP99At100Ms, detail: `${p(at100.latencies, 99)} ms` }]
            : []),
          { name: `ACK p99 at ${n} agents < ${ackGoal} ms`, ok: json.ackP99Ms < ackGoal, detail: `${json.ackP99Ms} ms` },
          { name: 'ingest < 1 core', ok: json.ingestCpuPct < FLEET_GOALS.ingestCpuPct, detail: `${json.ingestCpuPct}%` },
          { name: 'ingest < 1 GB RSS', ok: json.ingestRssMb < FLEET_GOALS.ingestRssMb, detail: `${json.ingestRssMb} MB` },
          { name: `reconnect of ${n} agents < 10 s`, ok: json.reconnectAllMs < FLEET_GOALS.reconnectAllMs, detail: `${json.reconnectAllMs} ms` },
          { name: '0 ops on unchanged rules', ok: opsOnUnchanged === 0 && restart.opsDuring === 0, detail: `${opsOnUnchanged}` },
          { name: 'every browser stream stayed open', ok: streamsOpen === browsers, detail: `${streamsOpen} of ${browsers}` },
        ],
      };
    } catch (e) {
      // the console's own account of the failure, before the process goes away
      if (konsole) log(`console log (last 20 lines):\n${konsole.logs.slice(-20).join('\n')}`);
      throw e;
    } finally {
      await streams?.close();
      await agents?.stop();
      await konsole?.stop();
      await seeded.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
