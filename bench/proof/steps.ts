// Steps shared by the fleet and chaos proofs: commit through the real API and time every agent's
// ACK, wait for a fleet in sync, restart the console under a connected fleet.
import type { ConsoleProcess } from './console';
import type { FleetProcess } from './fleet-client';
import type { FleetStatus } from './fleet-protocol';
import { percentile, until } from './kit';
import { api, CLUSTER } from './setup';

export type Api = ReturnType<typeof api>;

interface DirectorRow {
  name: string;
  connected: boolean;
  inSync: boolean;
  appliedRevision: number | null;
}

/** The console's own view: how many directors it sees connected, and connected and in sync. */
export async function consoleView(call: Api): Promise<{ connected: number; inSync: number; revisions: Record<string, number> }> {
  const r = await call<{ directors: DirectorRow[] }>(`/api/v1/clusters/${CLUSTER}/directors`);
  if (r.status !== 200) throw new Error(`GET directors: HTTP ${r.status}`);
  const revisions: Record<string, number> = {};
  for (const d of r.body.directors) revisions[String(d.appliedRevision)] = (revisions[String(d.appliedRevision)] ?? 0) + 1;
  return { connected: r.body.directors.filter((d) => d.connected).length, inSync: r.body.directors.filter((d) => d.connected && d.inSync).length, revisions };
}

export async function headRevision(call: Api): Promise<number> {
  const r = await call<{ currentRevision: { number: number } | null }>(`/api/v1/clusters/${CLUSTER}`);
  if (r.status !== 200) throw new Error(`GET cluster: HTTP ${r.status}`);
  return r.body.currentRevision?.number ?? 0;
}

/** Wait until `n` agents (by their own account) are connected and have applied `revision`. */
export function fleetInSync(fleet: FleetProcess, n: number, revision: number, ms: number): Promise<FleetStatus> {
  return until(`${n} agents connected and in sync at revision ${revision}`, ms, async () => {
    const s = await fleet.status();
    return s.connected >= n && s.inSync >= n && (s.applied[String(revision)] ?? 0) >= n ? s : null;
  });
}

/** Commit one weight edit through the API; returns the new revision and when the save was sent. */
export async function commitWeight(call: Api, base: number, k: number, weight: number, message: string): Promise<{ revision: number; t0: number; commitMs: number }> {
  const t0 = Date.now();
  const r = await call<{ revision: { number: number } }>(`/api/v1/clusters/${CLUSTER}/changes`, {
    method: 'POST',
    body: {
      baseRevision: base,
      message,
      changes: [{ op: 'edit-server', service: { protocol: 'tcp', address: `10.200.${k % 10}.1`, port: 80 }, server: { address: `10.201.${k % 10}.2`, port: 80 }, set: { weight } }],
    },
  });
  if (r.status !== 201) throw new Error(`commit: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return { revision: r.body.revision.number, t0, commitMs: Date.now() - t0 };
}

/** `commits` weight edits, one after the other, each timed save → ACK on every one of `n` agents. */
export async function ackLatencies(call: Api, fleet: FleetProcess, n: number, commits: number, ms = 300_000): Promise<{ latencies: number[]; commits: number[]; revision: number }> {
  let base = await headRevision(call);
  const latencies: number[] = [];
  /** how long each save took to answer: the part of the ACK time spent before any agent heard of it */
  const commitTimes: number[] = [];
  for (let c = 0; c < commits; c++) {
    const { revision, t0, commitMs } = await commitWeight(call, base, base, 2 + (base % 50), `proof: weight edit ${c + 1}`);
    const acks = await until(
      `${n} ACKs of revision ${revision}`,
      ms,
      async () => {
        const a = await fleet.send<[number, number][]>({ cmd: 'acks', revision });
        return a.length >= n ? a : null;
      },
      50,
    );
    for (const [, t] of acks) latencies.push(t - t0);
    commitTimes.push(commitMs);
    if (process.env.LVS_PROOF_DEBUG)
      console.error(
        `revision ${revision}, save answered after ${commitMs} ms; ms to each ACK: ${acks
          .map(([, t]) => t - t0)
          .sort((a, b) => a - b)
          .join(' ')}`,
      );
    base = revision;
  }
  return { latencies, commits: commitTimes, revision: base };
}

export const p = (xs: number[], q: number) => Math.round(percentile(xs, q));

/**
 * Restart the console under a connected fleet; resolves when every agent has said hello to the new
 * process and the console lists all of them connected and in sync. Times are from the stop.
 */
export async function restartUnderFleet(konsole: ConsoleProcess, fleet: FleetProcess, call: Api, n: number, revision: number, ms = 60_000) {
  const before = await fleet.status();
  const tStop = Date.now();
  await konsole.stop();
  await konsole.start();
  const upMs = Date.now() - tStop;
  const hellos = await until(
    `${n} agents to say hello to the restarted console`,
    ms,
    async () => {
      const h = await fleet.send<[number, number][]>({ cmd: 'hellos', since: tStop });
      return h.length >= n ? h : null;
    },
    100,
  );
  const after = await fleetInSync(fleet, n, revision, ms);
  const view = await until(
    `the console to list ${n} directors connected and in sync`,
    ms,
    async () => {
      const v = await consoleView(call);
      return v.inSync >= n ? v : null;
    },
    250,
  );
  const allInMs = Math.max(...hellos.map(([, t]) => t)) - tStop;
  const syncedMs = Date.now() - tStop;
  return { upMs, allInMs, syncedMs, opsDuring: after.ops - before.ops, view };
}
