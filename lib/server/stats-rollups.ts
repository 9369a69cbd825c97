// Minute rollups of the per-second points: counter deltas (what was carried in the minute) and the
// averages of the gauges and rates, written when the minute closes, kept for the retention.
// Only the process that receives an agent's batch accumulates (and so writes) its rollups.
import { COUNTER_FIELDS } from '../ipvs/stats';
import { CHART_FIELDS } from '../api/stats-fields';
import { splitServerKeyId } from '../ipvs/keys';
import { db, dbTarget } from './db';
import { writeRollups, type RollupRow } from './rollup-writer';
import { W } from './stats-ring';

export { COUNTER_FIELDS };
export const C = COUNTER_FIELDS.length;

/** The open minute of one series. */
export interface RollupAcc {
  minute: number;
  n: number;
  /** sums of the chart values (CHART_FIELDS order), averaged when written */
  sums: Float64Array;
  /** counter deltas (COUNTER_FIELDS order) */
  deltas: Float64Array;
}

/** What a series keeps for its rollup: the open minute and the last cumulative counters. */
export interface RollupState {
  acc: RollupAcc | null;
  prev: Float64Array | null;
}

/** One second of a series into its open minute; `counters[o..o+C)` are its cumulative counters. */
export function accumulate(s: RollupState, minute: number, vals: ArrayLike<number>, counters: Float64Array, o: number): void {
  const acc = (s.acc ??= { minute, n: 0, sums: new Float64Array(W), deltas: new Float64Array(C) });
  acc.n++;
  for (let m = 0; m < W; m++) acc.sums[m]! += vals[m]!;
  if (s.prev) {
    // a counter that went down was reset (ipvsadm -Z, agent or kernel restart): count from zero
    for (let k = 0; k < C; k++) {
      const cur = counters[o + k]!;
      const prev = s.prev[k]!;
      acc.deltas[k]! += cur >= prev ? cur - prev : cur;
    }
  } else s.prev = new Float64Array(C);
  s.prev.set(counters.subarray(o, o + C));
}

/** Detach the open minutes before `beforeMinute` (Infinity: all) of a director's series. */
export function takeClosed(series: Map<string, RollupState>, beforeMinute: number): [string, RollupAcc][] {
  const out: [string, RollupAcc][] = [];
  for (const [k, s] of series) {
    if (s.acc && s.acc.minute < beforeMinute) {
      out.push([k, s.acc]);
      s.acc = null;
    }
  }
  return out;
}

export async function persistRollups(directorId: string, accs: [string, RollupAcc][]): Promise<void> {
  if (!accs.length) return;
  const rows: RollupRow[] = accs.map(([key, a]) => {
    const ids = splitServerKeyId(key);
    const row = { directorId, serviceKey: ids ? ids.service : key, destKey: ids ? ids.server : '', minute: a.minute, samples: a.n } as RollupRow;
    COUNTER_FIELDS.forEach((f, k) => (row[f] = a.deltas[k]!));
    CHART_FIELDS.forEach((f, m) => (row[f] = a.sums[m]! / Math.max(1, a.n)));
    return row;
  });
  await writeRollups(dbTarget(), rows);
}

/** Delete rollups older than the retention. Returns how many rows went. */
export async function pruneRollups(nowMs: number, days: number): Promise<number> {
  const prisma = await db();
  const r = await prisma.statsRollup.deleteMany({ where: { minute: { lt: Math.floor(nowMs / 60_000) - days * 1440 } } });
  return r.count;
}
