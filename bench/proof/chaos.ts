// Chaos, with figures. Each case builds its own world (database, console process, agent fleet),
// breaks one part, and prints what happened and how long recovery took:
//  - restart:     the console restarts under N connected agents → all back and in sync, 0 ops;
//  - outage:      the console is unreachable for a while → agents keep their tables and health
//                 checks, buffer stats within the bound, and resume from their last ACK;
//  - postgres:    a private PostgreSQL restarts during a stream of commits → each commit landed
//                 exactly once or answered an error; the console recovers without a restart;
//  - sqlite-full: SQLite's disk (a small tmpfs) fills → a clear error, no corruption, and commits
//                 work again once space returns.
// (The agent SIGKILLed during applies is agent/restart.test.ts on the simulated kernel; on the
// real kernel it belongs to the traffic lab.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATS_BUFFER } from '@/agent/daemon';
import { ConsoleProcess } from './console';
import { FleetProcess } from './fleet-client';
import { int, options, sleep, until, type Goal, type Proof, type ProofResult } from './kit';
import { api, CLUSTER, fleetConfig, seed, type Seeded } from './setup';
import { ackLatencies, commitWeight, consoleView, fleetInSync, headRevision, restartUnderFleet, type Api } from './steps';

interface CaseResult {
  name: string;
  /** what happened, one line each */
  story: string[];
  recoveryMs: number | null;
  figures: Record<string, unknown>;
  goals: Goal[];
}

interface World {
  seeded: Seeded;
  konsole: ConsoleProcess;
  fleet: FleetProcess;
  call: Api;
  revision: number;
  dispose(): Promise<void>;
}

/** Seed a cluster of `agents` directors, start the console and the fleet, and wait until all are in sync at revision 1. */
async function world(o: { agents: number; servers: number; healthCheck?: boolean; databaseUrl?: string; dir?: string; env?: Record<string, string> }): Promise<World> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-proof-chaos-'));
  const seeded = await seed({
    directors: o.agents,
    config: fleetConfig(10, Math.ceil(o.servers / 10), o.healthCheck),
    databaseUrl: o.databaseUrl ?? (o.dir ? `file:${path.join(o.dir, 'proof.db')}` : undefined),
    dir: tmp,
  });
  let konsole: ConsoleProcess | null = null;
  let fleet: FleetProcess | null = null;
  const dispose = async () => {
    if (process.env.LVS_PROOF_DEBUG && konsole) process.stderr.write(`--- console log (last 30 lines)\n${konsole.logs.slice(-30).join('\n')}\n`);
    await fleet?.stop();
    await konsole?.stop();
    await seeded.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    konsole = await ConsoleProcess.start({ databaseUrl: seeded.databaseUrl, env: o.env });
    fleet = await FleetProcess.spawn();
    await fleet.send({ cmd: 'start', server: konsole.url, tokens: seeded.tokens, first: 0, statsIntervalMs: 1000 });
    await fleetInSync(fleet, o.agents, 1, 300_000);
    return { seeded, konsole, fleet, call: api(konsole.url, seeded.operator), revision: 1, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

// ---- restart ------------------------------------------------------------------------------

async function restartCase(agents: number, log: (l: string) => void): Promise<CaseResult> {
  const w = await world({ agents, servers: 100 });
  try {
    const { revision } = await ackLatencies(w.call, w.fleet, agents, 1);
    log(`restart: ${agents} agents in sync at revision ${revision}; restarting the console`);
    const r = await restartUnderFleet(w.konsole, w.fleet, w.call, agents, revision);
    return {
      name: 'restart',
      story: [
        `console stopped with ${agents} agents connected; answering again after ${r.upMs} ms`,
        `all ${agents} agents said hello after ${r.allInMs} ms; the console listed all connected and in sync at revision ${revision} after ${r.syncedMs} ms`,
        `ops applied by the agents meanwhile: ${r.opsDuring}`,
      ],
      recoveryMs: r.syncedMs,
      figures: { agents, upMs: r.upMs, allHellosMs: r.allInMs, reconnectAllMs: r.syncedMs, opsOnUnchanged: r.opsDuring },
      goals: [
        { name: `all ${agents} reconnected and in sync < 10 s`, ok: r.syncedMs < 10_000, detail: `${r.syncedMs} ms` },
        { name: '0 ops on unchanged rules', ok: r.opsDuring === 0, detail: String(r.opsDuring) },
      ],
    };
  } finally {
    await w.dispose();
  }
}

// ---- outage -------------------------------------------------------------------------------

async function outageCase(agents: number, outageS: number, log: (l: string) => void): Promise<CaseResult> {
  const w = await world({ agents, servers: 100, healthCheck: true });
  try {
    const { revision } = await ackLatencies(w.call, w.fleet, agents, 1);
    const before = await w.fleet.status();
    const liveBefore = await w.fleet.send<Record<string, number>>({ cmd: 'live' });
    log(`outage: ${agents} agents in sync at revision ${revision}; console unreachable for ${outageS} s`);
    const tDown = Date.now();
    await w.konsole.stop();
    let maxBuffered = 0;
    let maxPending = 0;
    while (Date.now() - tDown < outageS * 1000) {
      await sleep(Math.min(5000, outageS * 1000));
      const s = await w.fleet.status();
      maxBuffered = Math.max(maxBuffered, s.maxBuffered);
      maxPending = Math.max(maxPending, s.pendingReports);
    }
    const during = await w.fleet.status();
    const liveDuring = await w.fleet.send<Record<string, number>>({ cmd: 'live' });
    const healthAgeMs = during.oldestHealthCheck ? Date.now() - Date.parse(during.oldestHealthCheck) : Infinity;
    const tUp = Date.now();
    await w.konsole.start();
    const hellos = await until(`${agents} hellos after the outage`, 120_000, async () => {
      const h = await w.fleet.send<[number, number][]>({ cmd: 'hellos', since: tUp });
      return h.length >= agents ? h : null;
    });
    // resumed from the last ACK: the console sees every director at that revision without any op
    const view = await until('the console to list every director in sync again', 120_000, async () => {
      const v = await consoleView(w.call);
      return v.inSync >= agents ? v : null;
    });
    const resumedMs = Math.max(...hellos.map(([, t]) => t)) - tUp;
    const drained = await until(
      'the buffered stats to reach the console',
      120_000,
      async () => {
        const s = await w.fleet.status();
        return s.buffered <= agents * 10 ? s : null; // what is left is the last few seconds' samples
      },
      500,
    );
    const deliveredMs = Date.now() - tUp;
    // the outage's samples are in the console's per-second series
    const range = tUp - tDown < 280_000 ? '5m' : '15m'; // 1 s or 3 s points
    const live = await w.call<{ step: number; total: { points: { t: number }[] } }>(`/api/v1/clusters/${CLUSTER}/stats/live?director=d0000&range=${range}`);
    const pointsInOutage = live.status === 200 ? live.body.step * live.body.total.points.filter((p) => p.t >= tDown + 2000 && p.t <= tUp - 2000).length : 0;
    const expectedPoints = Math.max(0, Math.floor((tUp - tDown - 4000) / 1000));
    if (process.env.LVS_PROOF_DEBUG && live.status === 200) log(`outage ${tDown / 1000}..${tUp / 1000}: d0000's seconds ${live.body.total.points.map((p) => p.t / 1000).join(' ')}`);
    const after = await ackLatencies(w.call, w.fleet, agents, 1);
    const end = await w.fleet.status();
    const opsOutage = during.ops - before.ops;
    const opsResume = end.ops - during.ops - agents; // the new commit costs exactly one op per agent
    const sameTables = JSON.stringify(liveBefore) === JSON.stringify(liveDuring) && Object.keys(liveDuring).length === 1;
    return {
      name: 'outage',
      story: [
        `console unreachable for ${((tUp - tDown) / 1000).toFixed(0)} s with ${agents} agents (health checks on 10 servers each)`,
        `meanwhile: ${opsOutage} ops, every kernel table ${sameTables ? 'unchanged' : 'CHANGED'}, oldest health check ${(healthAgeMs / 1000).toFixed(1)} s old at the end, up to ${maxBuffered} stats samples buffered per agent (bound ${STATS_BUFFER.samples}), ${during.dropped} dropped, up to ${maxPending} reports queued`,
        `after the console came back: all hellos in ${resumedMs} ms at revision ${revision} (${JSON.stringify(view.revisions)}), buffered stats delivered in ${deliveredMs} ms (${pointsInOutage} of ~${expectedPoints} outage seconds in d0000's series), next commit ACKed with ${opsResume + agents} ops by ${agents} agents`,
      ],
      recoveryMs: resumedMs,
      figures: {
        agents,
        outageS: Math.round((tUp - tDown) / 1000),
        opsDuringOutage: opsOutage,
        tablesUnchanged: sameTables,
        healthCheckAgeMs: Math.round(healthAgeMs),
        maxBufferedSamples: maxBuffered,
        bufferBound: STATS_BUFFER.samples,
        statsDropped: during.dropped,
        resumedMs,
        statsDeliveredMs: deliveredMs,
        pointsInOutage,
        expectedPoints,
        opsOnUnchangedAfter: opsResume,
        stillBuffered: drained.buffered,
      },
      goals: [
        { name: 'every agent kept its config (0 ops, tables unchanged)', ok: opsOutage === 0 && sameTables, detail: `${opsOutage} ops` },
        { name: 'health checks kept running', ok: during.healthChecked >= agents * 10 && healthAgeMs < 10_000, detail: `${during.healthChecked} checked, oldest ${(healthAgeMs / 1000).toFixed(1)} s` },
        {
          name: 'stats buffered within the bound, none dropped',
          ok: maxBuffered <= STATS_BUFFER.samples && during.dropped === 0,
          detail: `${maxBuffered} ≤ ${STATS_BUFFER.samples}, ${during.dropped} dropped`,
        },
        {
          name: 'resumed from the last ACK (all in sync, no op)',
          ok: view.revisions[String(revision)] === agents && (end.applied[String(after.revision)] ?? 0) === agents && opsResume === 0,
          detail: `${JSON.stringify(view.revisions)}; ${opsResume} extra ops`,
        },
        { name: "the outage's stats reached the console", ok: pointsInOutage >= expectedPoints * 0.9, detail: `${pointsInOutage} of ${expectedPoints} s` },
      ],
    };
  } finally {
    await w.dispose();
  }
}

// ---- postgres -----------------------------------------------------------------------------

/** A private PostgreSQL cluster (initdb into a temp dir, its own port), never the shared one. */
async function privatePostgres(bin: string, port: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-proof-pg-'));
  const data = path.join(dir, 'data');
  execFileSync('chown', ['postgres', dir]);
  const asPg = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'lvs', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => asPg('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
  start();
  const url = `postgres://lvs@127.0.0.1:${port}/postgres`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('CREATE DATABASE lvs_chaos');
  await admin.end();
  return {
    url: `postgres://lvs@127.0.0.1:${port}/lvs_chaos`,
    restart: () => asPg('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-m', 'fast', '-w', 'restart']),
    async query<R>(sql: string): Promise<R[]> {
      const c = new pg.Client({ connectionString: `postgres://lvs@127.0.0.1:${port}/lvs_chaos` });
      await c.connect();
      try {
        return (await c.query(sql)).rows as R[];
      } finally {
        await c.end();
      }
    },
    stop() {
      try {
        asPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

type Answer = { message: string; status: number | 'no answer'; error?: string; at: number };

/** Commit one weight edit after another until `stop()`; every answer is recorded by its unique message. */
function commitStream(call: Api) {
  const answers: Answer[] = [];
  let stopped = false;
  const done = (async () => {
    let base = 1;
    for (let i = 0; !stopped && i < 100_000; i++) {
      const message = `chaos-pg-${i}`;
      try {
        const r = await commitWeight(call, base, i, 2 + (i % 50), message);
        answers.push({ message, status: 201, at: Date.now() });
        base = r.revision;
      } catch (e) {
        const m = /HTTP (\d+) (.*)/s.exec((e as Error).message);
        answers.push({ message, status: m ? Number(m[1]) : 'no answer', error: (m ? m[2]! : (e as Error).message).slice(0, 200), at: Date.now() });
        await sleep(100);
        base = await headRevision(call).catch(() => base);
      }
    }
  })();
  return {
    answers,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function postgresCase(agents: number, streamS: number, bin: string, port: number, log: (l: string) => void): Promise<CaseResult> {
  const pgi = await privatePostgres(bin, port);
  try {
    const w = await world({ agents, servers: 20, databaseUrl: pgi.url });
    try {
      const stream = commitStream(w.call);
      await sleep((streamS * 1000) / 3);
      log(`postgres: ${stream.answers.length} commits answered; restarting PostgreSQL`);
      const tRestart = Date.now();
      pgi.restart();
      const tBack = Date.now();
      const firstOk = await until('a commit to land after the PostgreSQL restart', 120_000, async () => stream.answers.find((a) => a.at > tBack && a.status === 201) ?? null);
      await sleep((streamS * 1000) / 3);
      await stream.stop();
      const head = await headRevision(w.call);
      await fleetInSync(w.fleet, agents, head, 120_000);
      const rows = await pgi.query<{ message: string; n: string }>(`SELECT message, count(*) AS n FROM "ConfigRevision" WHERE message LIKE 'chaos-pg-%' GROUP BY message`);
      const landed = new Map(rows.map((r) => [r.message, Number(r.n)]));
      const ok = stream.answers.filter((a) => a.status === 201);
      const failed = stream.answers.filter((a) => a.status !== 201);
      const lost = ok.filter((a) => landed.get(a.message) !== 1).length;
      const duplicated = [...landed.values()].filter((n) => n > 1).length;
      const failedButLanded = failed.filter((a) => (landed.get(a.message) ?? 0) > 0).length;
      const statuses: Record<string, number> = {};
      for (const a of failed) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
      const sample = failed.find((a) => a.status !== 409)?.error ?? failed[0]?.error ?? '';
      return {
        name: 'postgres',
        story: [
          `${stream.answers.length} commits over ${streamS} s with ${agents} agents connected; PostgreSQL restarted (fast) in ${tBack - tRestart} ms`,
          `${ok.length} answered 201, ${failed.length} answered an error ${JSON.stringify(statuses)}${sample ? `, e.g. "${sample}"` : ''}`,
          `in the database: ${lost} of the 201s missing or duplicated, ${duplicated} messages duplicated, ${failedButLanded} errors that landed anyway`,
          `first commit landed ${firstOk.at - tBack} ms after PostgreSQL was back, without restarting the console; all ${agents} agents in sync at revision ${head}`,
        ],
        recoveryMs: firstOk.at - tBack,
        figures: {
          commits: stream.answers.length,
          landed: ok.length,
          errors: failed.length,
          errorStatuses: statuses,
          lost,
          duplicated,
          failedButLanded,
          pgRestartMs: tBack - tRestart,
          recoveryMs: firstOk.at - tBack,
        },
        goals: [
          { name: 'every 201 landed exactly once', ok: lost === 0 && duplicated === 0, detail: `${lost} lost, ${duplicated} duplicated` },
          { name: 'every error left nothing behind', ok: failedButLanded === 0, detail: `${failedButLanded} of ${failed.length}` },
          { name: 'the console recovered without a restart', ok: firstOk.at > tBack, detail: `${firstOk.at - tBack} ms` },
        ],
      };
    } finally {
      await w.dispose();
    }
  } finally {
    pgi.stop();
  }
}

// ---- sqlite-full --------------------------------------------------------------------------

/** Fill the file system holding `dir` to the last byte; returns the filler's path. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const buf = Buffer.alloc(size);
      for (;;) {
        try {
          fs.writeSync(fd, buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

async function sqliteFullCase(agents: number, tmpfsMb: number, log: (l: string) => void): Promise<CaseResult> {
  if (process.getuid?.() !== 0) throw new Error('sqlite-full mounts a tmpfs and must run as root');
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-proof-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${tmpfsMb}m`, 'tmpfs', mnt]);
  try {
    const w = await world({ agents, servers: 20, dir: mnt });
    try {
      const revsBefore = await headRevision(w.call);
      const filler = fillDisk(mnt);
      log(`sqlite-full: ${tmpfsMb} MB tmpfs full; committing`);
      const tries: { status: number; error: string }[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          await commitWeight(w.call, revsBefore, i, 5 + i, `chaos-full-${i}`);
          tries.push({ status: 201, error: '' });
        } catch (e) {
          const m = /HTTP (\d+) (.*)/s.exec((e as Error).message);
          tries.push({ status: m ? Number(m[1]) : 0, error: m ? m[2]!.slice(0, 200) : (e as Error).message });
        }
      }
      const { default: Database } = await import('better-sqlite3');
      const check = () => {
        const d = new Database(path.join(mnt, 'proof.db'), { readonly: true, fileMustExist: true });
        try {
          const integrity = (d.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
          const fullLanded = (d.prepare(`SELECT count(*) AS n FROM ConfigRevision WHERE message LIKE 'chaos-full-%'`).get() as { n: number }).n;
          return { integrity, fullLanded };
        } finally {
          d.close();
        }
      };
      const whileFull = check();
      const headWhileFull = await headRevision(w.call).catch(() => -1);
      fs.rmSync(filler);
      const tFree = Date.now();
      const recovered = await until(
        'a commit to succeed once space is back',
        60_000,
        async () => {
          try {
            return await commitWeight(w.call, await headRevision(w.call), 7, 9, 'chaos-full-after');
          } catch {
            return null;
          }
        },
        500,
      );
      const recoveryMs = Date.now() - tFree;
      await fleetInSync(w.fleet, agents, recovered.revision, 60_000);
      const afterFree = check();
      const clear = tries.every((t) => t.status >= 500 && /full|space/i.test(t.error));
      return {
        name: 'sqlite-full',
        story: [
          `SQLite on a ${tmpfsMb} MB tmpfs with ${agents} agents streaming stats; the disk filled to the last byte`,
          `3 commits answered ${tries.map((t) => t.status).join(', ')}: "${tries[0]?.error ?? ''}"`,
          `while full: integrity_check "${whileFull.integrity}", head revision ${headWhileFull} (was ${revsBefore}), ${whileFull.fullLanded} of the refused commits in the database`,
          `space freed: a commit landed after ${recoveryMs} ms without restarting the console (revision ${recovered.revision}, ACKed by all ${agents} agents); integrity_check "${afterFree.integrity}"`,
        ],
        recoveryMs,
        figures: {
          tmpfsMb,
          statuses: tries.map((t) => t.status),
          error: tries[0]?.error ?? '',
          integrityWhileFull: whileFull.integrity,
          integrityAfter: afterFree.integrity,
          refusedThatLanded: whileFull.fullLanded,
          recoveryMs,
        },
        goals: [
          { name: 'a clear error while the disk is full', ok: clear, detail: tries.map((t) => `${t.status} ${t.error.slice(0, 80)}`).join(' | ') },
          {
            name: 'no corruption, nothing half-written',
            ok: whileFull.integrity === 'ok' && afterFree.integrity === 'ok' && whileFull.fullLanded === 0 && headWhileFull === revsBefore,
            detail: `${whileFull.integrity}/${afterFree.integrity}, ${whileFull.fullLanded} landed`,
          },
          { name: 'recovers when space returns', ok: recovered.revision > revsBefore, detail: `${recoveryMs} ms` },
        ],
      };
    } finally {
      await w.dispose();
    }
  } finally {
    execFileSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
}

// ---- the proof ----------------------------------------------------------------------------

const CASES = ['restart', 'outage', 'postgres', 'sqlite-full'] as const;

export const chaos: Proof = {
  summary: 'console restart under N agents, a console outage, a PostgreSQL restart during commits, a full SQLite disk',
  async run(argv, log): Promise<ProofResult> {
    const o = options(argv, {
      cases: { type: 'string', default: CASES.join(',') },
      agents: { type: 'string', default: '1000' },
      'outage-s': { type: 'string', default: '300' },
      'outage-agents': { type: 'string', default: '20' },
      'pg-bin': { type: 'string', default: '/usr/lib/postgresql/15/bin' },
      'pg-port': { type: 'string', default: '55432' },
      'commits-s': { type: 'string', default: '15' },
      'tmpfs-mb': { type: 'string', default: '24' },
    });
    const cases = o.cases.split(',').map((c) => c.trim());
    for (const c of cases) if (!(CASES as readonly string[]).includes(c)) throw new Error(`--cases: unknown case ${c} (known: ${CASES.join(', ')})`);
    const results: CaseResult[] = [];
    for (const c of cases) {
      const t = Date.now();
      try {
        if (c === 'restart') results.push(await restartCase(int(o.agents, 'agents', 1), log));
        if (c === 'outage') results.push(await outageCase(int(o['outage-agents'], 'outage-agents', 1), int(o['outage-s'], 'outage-s', 5), log));
        if (c === 'postgres') results.push(await postgresCase(10, int(o['commits-s'], 'commits-s', 3), o['pg-bin'], int(o['pg-port'], 'pg-port', 1), log));
        if (c === 'sqlite-full') results.push(await sqliteFullCase(5, int(o['tmpfs-mb'], 'tmpfs-mb', 8), log));
      } catch (e) {
        results.push({
          name: c,
          story: [`failed: ${(e as Error).message}`],
          recoveryMs: null,
          figures: {},
          goals: [{ name: 'the case ran to the end', ok: false, detail: (e as Error).message.split('\n')[0]! }],
        });
      }
      log(`${c}: done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    }
    return {
      json: { cases: results.map((r) => ({ case: r.name, ok: r.goals.every((g) => g.ok), recoveryMs: r.recoveryMs, ...r.figures })) },
      rows: results.flatMap((r) => [
        [`${r.name}: recovery`, r.recoveryMs === null ? '—' : `${r.recoveryMs} ms`] as [string, string],
        ...r.story.map((s, i) => [`${r.name} (${i + 1})`, s] as [string, string]),
      ]),
      goals: results.flatMap((r) => r.goals.map((g) => ({ ...g, name: `${r.name}: ${g.name}` }))),
    };
  },
};
