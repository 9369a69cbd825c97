// What an agent may put into the stats store (issue 11 #6): only the services and real servers of
// its director's applied and desired revisions, plus a few transient ones (a table entry the
// agent sees between revisions), with sample times near now and a per-director sample rate. A
// compromised or buggy agent can therefore add at most TRANSIENT_MAX series, not 100,000.
import type { StatsRow } from '@/lib/api/stats-fields';
import { serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import { STATS_FIELDS } from '@/lib/ipvs/stats';
import type { StatsBatch } from '@/lib/protocol/messages';
import { encodeStatsBatch, forEachStatsSample, TOTAL_KEY } from '@/lib/protocol/stats-wire';
import type { DirectorPrincipal } from './auth/principal';
import { db } from './db';
import { tooManyRequests } from './errors';
import { storeRow, type RowSample } from './stats';
import { revisionConfig } from './views';

/** Series outside the director's revisions that may be accepted at a time (each forgotten after TRANSIENT_TTL_MS unseen). */
export const TRANSIENT_MAX = 64;
const TRANSIENT_TTL_MS = 10 * 60_000;
/** Samples per director: a full hour's backlog at once, then about one per second. */
export const SAMPLE_BURST = 3600;
const SAMPLES_PER_SECOND = 2;
/** Sample times accepted: the agent's buffer holds an hour; a little clock skew ahead. */
const MAX_AGE_MS = 24 * 3600_000;
const MAX_AHEAD_MS = 10 * 60_000;
const KNOWN_TTL_MS = 5_000;

type DirectorState = {
  known: Set<string>;
  knownAt: number;
  knownRevs: string;
  transient: Map<string, number>;
  tokens: number;
  refilledAt: number;
};
const directors = new Map<string, DirectorState>();

function stateOf(directorId: string, now: number): DirectorState {
  let s = directors.get(directorId);
  if (!s) {
    s = { known: new Set(), knownAt: 0, knownRevs: '', transient: new Map(), tokens: SAMPLE_BURST, refilledAt: now };
    directors.set(directorId, s);
  }
  return s;
}

/** Series ids per revision: a revision never changes, so its set is built once for all its directors. */
const seriesByRevision = new Map<string, Set<string>>();
const SERIES_CACHE_REVISIONS = 16;

async function revisionSeries(revisionId: string): Promise<Set<string>> {
  const hit = seriesByRevision.get(revisionId);
  if (hit) return hit;
  const prisma = await db();
  const r = await prisma.configRevision.findUnique({ where: { id: revisionId }, select: { id: true, config: true } });
  const known = new Set<string>();
  for (const svc of r ? revisionConfig(r).services : []) {
    known.add(serviceKeyId(svc));
    for (const rs of svc.realServers) known.add(serverKeyId(svc, rs));
  }
  if (seriesByRevision.size >= SERIES_CACHE_REVISIONS) seriesByRevision.delete(seriesByRevision.keys().next().value!);
  seriesByRevision.set(revisionId, known);
  return known;
}

/**
 * The series ids of the director's applied and the cluster's current revision (looked up every few
 * seconds; only revision ids are read then, never a config, which is read once per revision).
 */
async function knownSeries(p: DirectorPrincipal, s: DirectorState, now: number): Promise<Set<string>> {
  if (now - s.knownAt < KNOWN_TTL_MS) return s.known;
  const prisma = await db();
  const d = await prisma.director.findUnique({
    where: { id: p.directorId },
    select: { appliedRevision: true, cluster: { select: { currentRevision: { select: { id: true, number: true } } } } },
  });
  const revs = [d?.cluster.currentRevision].filter((r): r is NonNullable<typeof r> => !!r);
  if (d?.appliedRevision != null && d.appliedRevision !== d.cluster.currentRevision?.number) {
    const applied = await prisma.configRevision.findUnique({ where: { clusterId_number: { clusterId: p.clusterId, number: d.appliedRevision } }, select: { id: true, number: true } });
    if (applied) revs.push(applied);
  }
  const tag = revs.map((r) => r.id).join(',');
  if (tag !== s.knownRevs) {
    const sets = await Promise.all(revs.map((r) => revisionSeries(r.id)));
    s.known = sets.length === 1 ? sets[0]! : new Set(sets.flatMap((x) => [...x]));
    s.knownRevs = tag;
  }
  s.knownAt = now;
  return s.known;
}

function admitKey(key: string, known: Set<string>, s: DirectorState, now: number): boolean {
  if (known.has(key)) return true;
  if (s.transient.has(key)) {
    s.transient.set(key, now);
    return true;
  }
  if (s.transient.size >= TRANSIENT_MAX) {
    for (const [k, seen] of s.transient) if (now - seen > TRANSIENT_TTL_MS) s.transient.delete(k);
    if (s.transient.size >= TRANSIENT_MAX) return false;
  }
  s.transient.set(key, now);
  return true;
}

export interface Admitted {
  samples: RowSample[];
  /** samples outside the time window, and the batch's keys outside the director's revisions */
  dropped: { samples: number; series: number };
}

/**
 * Filter a batch to what the store may keep, as the store's rows; 429 when the director posts
 * faster than its sample rate. Each key is looked up once per batch (a `rows` batch names it once),
 * and a row array is made once per key and change, so an unchanged row costs a pointer per second.
 */
export async function admitStats(p: DirectorPrincipal, body: StatsBatch, now = Date.now()): Promise<Admitted> {
  // the older shape becomes the same rows: one admission and one store for both
  const batch = body.format === 'rows' ? body : encodeStatsBatch(body.samples);
  const s = stateOf(p.directorId, now);
  s.tokens = Math.min(SAMPLE_BURST, s.tokens + ((now - s.refilledAt) / 1000) * SAMPLES_PER_SECOND);
  s.refilledAt = now;
  const count = batch.samples.length;
  if (count > s.tokens) throw tooManyRequests(`director ${p.directorName} sends stats faster than ${SAMPLES_PER_SECOND} samples/s`, (count - s.tokens) / SAMPLES_PER_SECOND);
  s.tokens -= count;
  const known = await knownSeries(p, s, now);
  const dropped = { samples: 0, series: 0 };
  const admitted = batch.keys.map((k) => k === TOTAL_KEY || admitKey(k, known, s, now) || (dropped.series++, false));
  const made: (StatsRow | undefined)[] = new Array(batch.keys.length);
  const madeFrom: (readonly number[] | undefined)[] = new Array(batch.keys.length);
  const out: RowSample[] = [];
  forEachStatsSample(batch, (at, table) => {
    if (!(at >= now - MAX_AGE_MS && at <= now + MAX_AHEAD_MS)) {
      dropped.samples++;
      return;
    }
    const rows: StatsRow[] = [];
    const counters: number[] = [];
    for (let i = 0; i < table.length; i++) {
      const wire = table[i];
      if (!wire || !admitted[i]) continue;
      if (madeFrom[i] !== wire) {
        made[i] = storeRow(batch.keys[i]!, wire);
        madeFrom[i] = wire;
      }
      rows.push(made[i]!);
      for (let k = STATS_FIELDS.length; k < wire.length; k++) counters.push(wire[k]!);
    }
    out.push({ at, rows, counters: Float64Array.from(counters) });
  });
  return { samples: out, dropped };
}

/** A removed director's state goes with it (tests also start clean). */
export function forgetStatsAdmission(directorId?: string): void {
  if (directorId) directors.delete(directorId);
  else directors.clear();
}
