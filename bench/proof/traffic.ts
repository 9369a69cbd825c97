// The traffic lab on the real kernel (issue 13 §1): `npm run proof -- traffic [--changes N]
// [--engine netlink|ipvsadm|both] [--seed S]`. In ONE QEMU guest (Debian's 6.1 IPVS kernel), a client
// namespace drives real HTTP traffic through the director to real servers behind NAT, DR and TUN
// (traffic/lab.ts), while the agent's own Reconciler (traffic/driver.ts, in the guest) applies a
// seeded sequence of changes (traffic/changes.ts), with each engine in turn. Before each change the
// proof previews it exactly as the console's plan API does (directorTarget + plan + planImpact, from
// the director's live table and stats) and records which ops cut and how many connections the
// director counts on them; after the run it attributes every broken connection to changes.
//
// What is checked, per engine:
//  - every established connection that was reset or stalled > stall-ms, and every new connection
//    that was refused or timed out, must be explained by a cutting op of the change being applied
//    at that moment: a delete of its service, or of the real server it was bound to. Anything else
//    is an unpredicted cut.
//  - a predicted cut must happen where it matters: a long-lived connection that was bound to a cut
//    series before the op and got an answer to a request sent after the op was applied would mean
//    the preview called a safe op unsafe. (The director's count includes inactive entries, e.g.
//    TIME_WAIT, which no client misses: a predicted count with no live connection behind it is
//    reported, not failed.)
//  - the agent applied exactly the ops previewed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bootGuest, kernelUnavailableReason, REPO_ROOT, type Guest } from '@/test/conformance/kernel';
import { serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { ServiceKey } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { opToCommandLine } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import { directorTarget } from '@/lib/ipvs/target';
import { planImpact } from '@/lib/server/planning';
import { int, options, sleep, until, type Goal, type Proof, type ProofResult } from './kit';
import { DRAIN_S, Scenario, type Step, type StepKind } from './traffic/changes';
import { httpNamespaces, labScript, PORT, VIP } from './traffic/lab';
import type { DriverReply, DriverRequest, LoadConfig, LoadEvent, LoadSummary } from './traffic/protocol';

const GUEST_NODE = '/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path /host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu /host/usr/bin/node';
const ENGINES = ['netlink', 'ipvsadm'] as const;
type EngineName = (typeof ENGINES)[number];
const TARGETS = Object.values(VIP).map((v) => `${v}:${PORT}`);

/** The in-guest programs, each bundled to one file beside the agent's (so `netlink` resolves from node_modules). */
function bundle(): { dir: string; file: (name: string) => string } {
  const dir = path.join(REPO_ROOT, 'agent/dist', `proof-traffic-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ['driver', 'loadgen', 'rs-http'])
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-agent.mjs'), `bench/proof/traffic/${name}.ts`, path.join(dir, `${name}.mjs`)], { cwd: REPO_ROOT, stdio: 'ignore' });
  return { dir, file: (name) => `/host${dir}/${name}.mjs` };
}

/** A director's live connections per stats series, as the console's stats store keeps them (active + inactive). */
function liveConnections(s: StatsSnapshot): Map<string, number> {
  const m = new Map<string, number>();
  for (const svc of s.services) {
    let total = 0;
    for (const r of svc.realServers) {
      m.set(serverKeyId(svc.service, r), r.activeConns + r.inactConns);
      total += r.activeConns + r.inactConns;
    }
    m.set(serviceKeyId(svc.service), total);
  }
  return m;
}

interface CutOp {
  command: string;
  reason: string;
  service: ServiceKey;
  /** set for a deleted real server; absent: the whole service */
  server?: string;
  connections: number | null;
}

interface Change {
  n: number;
  kind: StepKind;
  label: string;
  /** apply window on the guest's clock */
  a0: number;
  a1: number;
  commands: string[];
  /** the preview's ops differed from what the agent applied */
  mismatch: string | null;
  cuts: CutOp[];
  predicted: number;
  /** filled by the attribution */
  broken: number;
  failed: number;
  survived: number;
}

/** A client's "vip:port" reaches this service (a port-0 service takes every port of its VIP). */
const matches = (svc: ServiceKey, target: string) => {
  const [host, port] = target.split(':');
  return 'address' in svc && svc.address === host && (svc.port === Number(port) || svc.port === 0);
};

/** Drive one engine through `n` changes with traffic flowing; returns the changes and what the client saw. */
async function session(
  guest: Guest,
  files: ReturnType<typeof bundle>,
  engine: EngineName,
  o: { n: number; seed: number; gapMs: number; stallMs: number; keepAlive: number; intervalMs: number; newEveryMs: number },
  log: (l: string) => void,
) {
  const dir = `/tmp/traffic-${engine}`;
  const lg = `${dir}/lg`;
  await guest.exec(`ipvsadm -C; ipvsadm --set 900 120 300; rm -rf ${dir}; mkdir -p ${lg}`);
  const driverStart = await guest.exec(
    `${GUEST_NODE} ${files.file('driver')} ${engine} ${dir}/drv </dev/null >${dir}/driver.log 2>&1 & for i in $(seq 3000); do [ -e ${dir}/drv/ready ] && exit 0; sleep 0.1; done; cat ${dir}/driver.log; exit 1`,
  );
  if (driverStart.code !== 0) throw new Error(`the ${engine} driver did not start: ${driverStart.stdout}${driverStart.stderr}`);
  log(`${engine}: the agent's reconciler is up in the guest`);
  let seq = 0;
  const drv = async <T extends DriverReply>(req: DriverRequest): Promise<T> => {
    const k = ++seq;
    const f = `${dir}/drv`;
    const r = await guest.exec(
      `cat > ${f}/req-${k}.tmp && mv ${f}/req-${k}.tmp ${f}/req-${k}.json && for i in $(seq 6000); do [ -e ${f}/res-${k}.json ] && exec cat ${f}/res-${k}.json; sleep 0.02; done; echo "no answer from the driver" >&2; exit 1`,
      { stdin: JSON.stringify(req) },
    );
    if (r.code !== 0) throw new Error(`driver ${req.cmd}: ${r.stderr}`);
    const reply = JSON.parse(r.stdout) as T | { error: string };
    if ('error' in reply) throw new Error(`driver ${req.cmd}: ${reply.error}`);
    return reply;
  };
  const scenario = new Scenario(o.seed);
  let revision = 1;
  let createdAt = (await drv<Extract<DriverReply, { now: number }>>({ cmd: 'read' })).now;
  const first = await drv<Extract<DriverReply, { outcome: unknown }>>({ cmd: 'apply', revision, createdAt, config: scenario.initial, unhealthy: [] });
  if (first.outcome.kind !== 'applied') throw new Error(`the first config was not applied: ${JSON.stringify(first.outcome)}`);

  // every VIP answers before the load starts (the real servers' node processes start slowly under emulation)
  const up = await guest.exec(
    `for t in ${Object.values(VIP).join(' ')}; do for i in $(seq 300); do ip netns exec cl timeout 5 bash -c "exec 3<>/dev/tcp/$t/${PORT} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3" 2>/dev/null | grep -q '200 OK' && continue 2; sleep 1; done; echo "no answer from $t" >&2; exit 1; done`,
  );
  if (up.code !== 0) throw new Error(`the lab does not answer: ${up.stderr}`);
  log(`${engine}: the first config is applied and every VIP answers; starting the load`);
  const load: LoadConfig = { targets: TARGETS, keepAlive: o.keepAlive, intervalMs: o.intervalMs, lifeMs: [1500, 3000], newEveryMs: o.newEveryMs, stallMs: o.stallMs, dir: lg };
  await guest.exec(`cat > ${lg}/config.json`, { stdin: JSON.stringify(load) });
  await guest.exec(`ip netns exec cl ${GUEST_NODE} ${files.file('loadgen')} ${lg}/config.json </dev/null >${lg}/log 2>&1 &`);
  await until(
    'the load generator to see answers',
    300_000,
    async () => {
      const r = await guest.exec(`cat ${lg}/summary.json 2>/dev/null`);
      return r.code === 0 && (JSON.parse(r.stdout) as LoadSummary).requests > 20;
    },
    500,
  );
  await sleep(2000);
  log(`${engine}: traffic flowing; applying ${o.n} changes`);

  const changes: Change[] = [];
  for (let n = 1; n <= o.n; n++) {
    const step: Step = scenario.next();
    let read = await drv<Extract<DriverReply, { now: number }>>({ cmd: 'read' });
    if (step.afterDrainDeadline) {
      const wait = createdAt + DRAIN_S * 1000 + 500 - read.now;
      if (wait > 0) await sleep(wait);
      read = await drv({ cmd: 'read' });
    }
    if (step.newRevision) {
      revision++;
      createdAt = read.now;
    }
    // the preview: the console's plan for this director, from its live table and stats
    const target = directorTarget(step.config, { unhealthy: new Set(step.unhealthy), drains: { live: read.stats, now: new Date(read.now), revisionCreatedAt: new Date(createdAt) } }).config;
    const ops: Op[] = plan(target, read.actual);
    const impact = planImpact(ops, read.actual, { t: read.stats.at, conns: liveConnections(read.stats) });
    const cuts: CutOp[] = [];
    impact.ops.forEach((im, i) => {
      const op = ops[i]!;
      if (im.safe || (op.op !== 'delete-server' && op.op !== 'delete-service')) return;
      cuts.push({ command: opToCommandLine(op), reason: im.reason, service: op.service, server: op.op === 'delete-server' ? op.server.address : undefined, connections: im.connections ?? null });
    });
    const res = await drv<Extract<DriverReply, { outcome: unknown }>>({ cmd: 'apply', revision, createdAt, config: step.config, unhealthy: step.unhealthy });
    const applied = res.outcome.kind === 'applied' ? res.outcome.ops : res.outcome.kind === 'in-sync' ? [] : null;
    if (!applied) throw new Error(`change ${n} (${step.label}): ${JSON.stringify(res.outcome)}`);
    const commands = applied.map(opToCommandLine);
    const previewed = ops.map(opToCommandLine);
    scenario.commit(step);
    changes.push({
      n,
      kind: step.kind,
      label: step.label,
      a0: res.t0,
      a1: res.t1,
      commands,
      mismatch: commands.join('\n') === previewed.join('\n') ? null : `previewed [${previewed.join('; ')}], applied [${commands.join('; ')}]`,
      cuts,
      predicted: impact.cuts ?? 0,
      broken: 0,
      failed: 0,
      survived: 0,
    });
    log(`${engine} ${String(n).padStart(3)}: ${step.label}: ${commands.length} op(s)${cuts.length ? `, cuts ${cuts.map((c) => `${c.command} (${c.connections ?? '?'})`).join(', ')}` : ''}`);
    // after a cut, let its stalls surface before the next change (a server added back at once
    // would take its old connections back from the kernel's trash)
    await sleep(cuts.length ? o.stallMs + 1000 : o.gapMs);
  }
  await sleep(o.stallMs + 1000);
  await guest.exec(`touch ${lg}/stop; for i in $(seq 600); do [ -e ${lg}/done ] && break; sleep 0.1; done`);
  const events = (await guest.exec(`cat ${lg}/events.jsonl 2>/dev/null`)).stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LoadEvent);
  const summary = JSON.parse((await guest.exec(`cat ${lg}/summary.json`)).stdout) as LoadSummary;
  await drv({ cmd: 'stop' }).catch(() => undefined);
  return { changes, events, summary };
}

interface Attribution {
  resets: number;
  failedNew: number;
  explained: number;
  unpredicted: { what: string; change: string }[];
  survived: { change: number; command: string; id: number }[];
}

/** Which change explains each broken connection, and which predicted cuts a live connection survived. */
function attribute(changes: Change[], events: LoadEvent[]): Attribution {
  const out: Attribution = { resets: 0, failedNew: 0, explained: 0, unpredicted: [], survived: [] };
  const during = (lo: number, hi: number) => changes.filter((c) => c.a0 <= hi && c.a1 > lo);
  for (const ev of events) {
    if (ev.e === 'up' || (ev.e === 'end' && ev.kind === 'closed')) continue;
    const [lo, hi] = ev.e === 'end' ? [ev.okReq, ev.t] : [ev.t0, ev.t];
    if (ev.e === 'end') out.resets++;
    else out.failedNew++;
    const cands = during(lo, hi);
    const by = cands.find((c) => c.cuts.some((cut) => matches(cut.service, ev.target) && (cut.server === undefined || (ev.e === 'end' && cut.server === ev.server))));
    if (by) {
      out.explained++;
      if (ev.e === 'end') by.broken++;
      else by.failed++;
      continue;
    }
    const last = cands.at(-1);
    out.unpredicted.push({
      what: ev.e === 'end' ? `${ev.kind} of an established connection to ${ev.target} on ${ev.server}${ev.why ? ` (${ev.why})` : ''}` : `new connection to ${ev.target} failed (${ev.why})`,
      change: last ? `#${last.n} ${last.label}` : 'no change was being applied',
    });
  }
  const ups = new Map(events.filter((e): e is Extract<LoadEvent, { e: 'up' }> => e.e === 'up').map((e) => [e.id, e]));
  for (const end of events) {
    if (end.e !== 'end') continue;
    const upEv = ups.get(end.id);
    if (!upEv) continue;
    for (const c of changes)
      for (const cut of c.cuts)
        if (upEv.t < c.a0 && end.okReq > c.a1 && matches(cut.service, end.target) && (cut.server === undefined || cut.server === end.server)) {
          c.survived++;
          out.survived.push({ change: c.n, command: cut.command, id: end.id });
        }
  }
  return out;
}

export const traffic: Proof = {
  summary: 'real traffic through the real kernel (QEMU guest) while the agent applies N seeded changes: 0 cuts but the ones the impact preview predicted',
  async run(argv, log): Promise<ProofResult> {
    const o = options(argv, {
      changes: { type: 'string', default: '20' },
      engine: { type: 'string', default: 'both' },
      seed: { type: 'string', default: '13' },
      'gap-ms': { type: 'string', default: '1000' },
      'stall-ms': { type: 'string', default: '2000' },
      keepalive: { type: 'string', default: '2' },
      'interval-ms': { type: 'string', default: '100' },
      'new-every-ms': { type: 'string', default: '250' },
    });
    const n = int(o.changes, 'changes', 1);
    const engines: EngineName[] = o.engine === 'both' ? [...ENGINES] : ENGINES.includes(o.engine as EngineName) ? [o.engine as EngineName] : [];
    if (!engines.length) throw new Error(`--engine must be netlink, ipvsadm or both (got ${o.engine})`);
    const why = kernelUnavailableReason();
    if (why) throw new Error(`no IPVS guest: ${why}`);
    const settings = {
      n,
      seed: int(o.seed, 'seed'),
      gapMs: int(o['gap-ms'], 'gap-ms'),
      stallMs: int(o['stall-ms'], 'stall-ms', 100),
      keepAlive: int(o.keepalive, 'keepalive', 1),
      intervalMs: int(o['interval-ms'], 'interval-ms', 10),
      newEveryMs: int(o['new-every-ms'], 'new-every-ms', 10),
    };
    const t0 = Date.now();
    const files = bundle();
    process.env.IPVSVM_MEM ??= '2048'; // seven node processes in the guest
    const guest = await bootGuest('traffic', { hostRoot: true, connectMs: 600_000 });
    const per: Record<string, { changes: Change[]; att: Attribution; summary: LoadSummary; seconds: number }> = {};
    try {
      const lab = await guest.exec(labScript());
      if (!lab.stdout.includes('lab ready')) throw new Error(`the lab did not build: ${lab.stderr}`);
      for (const h of httpNamespaces())
        for (const a of h.ns === 'nat' ? [null] : h.addresses)
          await guest.exec(`ip netns exec ${h.ns} ${GUEST_NODE} ${files.file('rs-http')} ${PORT}${a ? ` ${a}` : ''} </dev/null >/tmp/rs-${h.ns}.log 2>&1 &`);
      log(`guest up, lab built (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      for (const e of engines) {
        const s0 = Date.now();
        const r = await session(guest, files, e, settings, log);
        per[e] = { changes: r.changes, att: attribute(r.changes, r.events), summary: r.summary, seconds: Math.round((Date.now() - s0) / 1000) };
      }
    } finally {
      await guest.stop();
      fs.rmSync(files.dir, { recursive: true, force: true });
    }
    return report(per, n, Math.round((Date.now() - t0) / 1000));
  },
};

function report(per: Record<string, { changes: Change[]; att: Attribution; summary: LoadSummary; seconds: number }>, n: number, seconds: number): ProofResult {
  const rows: [string, string | number][] = [];
  const goals: Goal[] = [];
  const total = { changes: 0, resets: 0, failedNew: 0, predictedCuts: 0, unpredictedCuts: 0, requests: 0, perServer: {} as Record<string, number> };
  const engines: Record<string, unknown> = {};
  for (const [e, { changes, att, summary, seconds: s }] of Object.entries(per)) {
    const predicted = changes.reduce((k, c) => k + c.predicted, 0);
    const cutChanges = changes.filter((c) => c.cuts.length);
    const mismatches = changes.filter((c) => c.mismatch);
    const kinds = [...new Set(changes.map((c) => c.kind))].sort();
    rows.push([`${e}: changes (kinds)`, `${changes.length} in ${s} s (${kinds.join(', ')})`]);
    rows.push([
      `${e}: requests answered`,
      `${summary.requests} (${Object.entries(summary.perServer)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    ]);
    rows.push([`${e}: new connections`, `${summary.newOk} ok, ${summary.newFailed} failed${summary.newSkipped ? `, ${summary.newSkipped} not opened (guest too slow)` : ''}`]);
    rows.push([`${e}: established reset/stalled`, att.resets]);
    for (const c of cutChanges)
      rows.push([
        `${e}: #${c.n} ${c.label}`,
        `preview: ${c.cuts.map((x) => `${x.command} cuts ${x.connections ?? '?'}`).join('; ')}; seen: ${c.broken} broken, ${c.failed} new failed${c.survived ? `, ${c.survived} SURVIVED` : ''}`,
      ]);
    for (const u of att.unpredicted.slice(0, 10)) rows.push([`${e}: UNPREDICTED`, `${u.what}, during ${u.change}`]);
    for (const m of mismatches.slice(0, 5)) rows.push([`${e}: PLAN MISMATCH #${m.n} ${m.label}`, m.mismatch!]);
    goals.push({
      name: `${e}: every reset and failed new connection was predicted by the impact preview`,
      ok: att.unpredicted.length === 0,
      detail: `${att.unpredicted.length} unpredicted of ${att.resets + att.failedNew}`,
    });
    goals.push({ name: `${e}: no live connection survived a predicted cut`, ok: att.survived.length === 0, detail: `${att.survived.length}` });
    goals.push({ name: `${e}: the agent applied exactly the previewed ops`, ok: mismatches.length === 0, detail: `${mismatches.length} of ${changes.length} changes differ` });
    engines[e] = {
      changes: changes.length,
      resets: att.resets,
      failedNew: att.failedNew,
      predictedCuts: predicted,
      unpredictedCuts: att.unpredicted.length,
      explainedByPredictedCuts: att.explained,
      survivedCuts: att.survived.length,
      planMismatches: mismatches.length,
      requests: summary.requests,
      perServer: summary.perServer,
      seconds: s,
      cuts: cutChanges.map((c) => ({ change: c.n, label: c.label, ops: c.cuts, broken: c.broken, failedNew: c.failed, survived: c.survived })),
      unpredicted: att.unpredicted,
    };
    total.changes += changes.length;
    total.resets += att.resets;
    total.failedNew += att.failedNew;
    total.predictedCuts += predicted;
    total.unpredictedCuts += att.unpredicted.length;
    total.requests += summary.requests;
    for (const [k, v] of Object.entries(summary.perServer)) total.perServer[k] = (total.perServer[k] ?? 0) + v;
  }
  rows.push(['run time', `${seconds} s (${n} changes per engine)`]);
  return { json: { ...total, engines, seconds }, rows, goals };
}
