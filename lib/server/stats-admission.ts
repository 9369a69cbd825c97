// What an agent may put into the stats store (issue 11 #6): only the services and real servers of
// its director's applied and desired revisions, plus a few transient ones (a table entry the
// agent sees between revisions), with sample times near now and a per-director sample rate. A
// compromised or buggy agent can therefore add at most TRANSIENT_MAX series, not 100,000.
import { serverKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import type { StatsSnapshot } from '@/lib/ipvs/stats';
import type { DirectorPrincipal } from './auth/principal';
import { db } from './db';
import { tooManyRequests } from './errors';
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
  samples: StatsSnapshot[];
  /** samples outside the time window, and service/real-server entries outside the director's revisions */
  dropped: { samples: number; series: number };
}

/** Filter a batch to what the store may keep; 429 when the director posts faster than its sample rate. */
export async function admitStats(p: DirectorPrincipal, samples: StatsSnapshot[], now = Date.now()): Promise<Admitted> {
  const s = stateOf(p.directorId, now);
  s.tokens = Math.min(SAMPLE_BURST, s.tokens + ((now - s.refilledAt) / 1000) * SAMPLES_PER_SECOND);
  s.refilledAt = now;
  if (samples.length > s.tokens) throw tooManyRequests(`director ${p.directorName} sends stats faster than ${SAMPLES_PER_SECOND} samples/s`, (samples.length - s.tokens) / SAMPLES_PER_SECOND);
  s.tokens -= samples.length;
  const known = await knownSeries(p, s, now);
  const dropped = { samples: 0, series: 0 };
  const out: StatsSnapshot[] = [];
  for (const sample of samples) {
    if (!(sample.at >= now - MAX_AGE_MS && sample.at <= now + MAX_AHEAD_MS)) {
      dropped.samples++;
      continue;
    }
    const services = [];
    for (const svc of sample.services) {
      if (!admitKey(serviceKeyId(svc.service), known, s, now)) {
        dropped.series += 1 + svc.realServers.length;
        continue;
      }
      const realServers = svc.realServers.filter((rs) => admitKey(serverKeyId(svc.service, rs), known, s, now) || (dropped.series++, false));
      services.push(realServers.length === svc.realServers.length ? svc : { ...svc, realServers });
    }
    out.push(services.length === sample.services.length && services.every((x, i) => x === sample.services[i]) ? sample : { ...sample, services });
  }
  return { samples: out, dropped };
}

/** A removed director's state goes with it (tests also start clean). */
export function forgetStatsAdmission(directorId?: string): void {
  if (directorId) directors.delete(directorId);
  else directors.clear();
}
