// Database rows -> API shapes. One place decides how a director's state reads, so the overview,
// the director page and the metrics never disagree.
import type { DirectorState, DirectorStatus, RevisionSummary } from '../api/schemas';
import type { ConfigRevision, Director } from '../generated/sqlite/client';
import { DirectorConfigSchema, type DirectorConfig } from '../ipvs/model';
import { CapabilitiesSchema, DrainProgressSchema, DriftSchema, HealthStateSchema } from '../protocol/messages';
import { z } from 'zod';
import { STALE_SECONDS, statsStore } from './stats';

/** An agent whose stream is open refreshes lastSeenAt every 20 s; a minute of silence means it is gone. */
export const CONNECTED_WITHIN_MS = 60_000;

export function revisionSummary(r: Pick<ConfigRevision, 'number' | 'hash' | 'author' | 'message' | 'summary' | 'createdAt'> & { parent?: { number: number } | null }): RevisionSummary {
  return {
    number: r.number,
    hash: r.hash,
    author: r.author,
    message: r.message,
    summary: r.summary,
    parent: r.parent?.number ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

/** Stored configs were canonical when written; parsing again also upgrades older shapes. */
export function storedConfig(stored: unknown): DirectorConfig {
  return DirectorConfigSchema.parse(typeof stored === 'string' ? JSON.parse(stored) : stored);
}

/**
 * A revision's config column: JSON text we serialise in one call. Prisma's Json type walks a large
 * config value by value in its wasm engine, on the event loop (seconds for 1.5 MB of rules).
 */
export function storedConfigText(config: DirectorConfig): string {
  return JSON.stringify(config);
}

// Revisions are immutable, so a parsed config can be kept by revision id (parsing a 1,000-service
// config costs ~70 ms). Callers must not mutate what they get.
const parsed = new Map<string, DirectorConfig>();
const PARSED_MAX = 64;

export function revisionConfig(r: { id: string; config: unknown }): DirectorConfig {
  const hit = parsed.get(r.id);
  if (hit) {
    parsed.delete(r.id);
    parsed.set(r.id, hit); // most recently used last
    return hit;
  }
  const c = storedConfig(r.config);
  parsed.set(r.id, c);
  if (parsed.size > PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  return c;
}

export function isConnected(d: Pick<Director, 'connectedAt' | 'lastSeenAt'>, now = Date.now()): boolean {
  return !!d.connectedAt && !!d.lastSeenAt && now - d.lastSeenAt.getTime() < CONNECTED_WITHIN_MS;
}

const NackSchema = z.object({
  revision: z.number().int(),
  failedOp: z.unknown().nullable(),
  command: z.string(),
  message: z.string(),
  exitCode: z.number().int().nullable(),
  opsApplied: z.number().int(),
  at: z.string(),
});

function safe<T>(schema: z.ZodType<T>, v: unknown, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  const r = schema.safeParse(v);
  return r.success ? r.data : fallback;
}

/** When a director's numbers were last fresh: the staleness badge and the sums agree on STALE_SECONDS. */
function statsFreshness(directorId: string, now: number): Pick<DirectorStatus, 'statsAt' | 'statsStale'> {
  const sec = statsStore.lastSecond(directorId);
  return { statsAt: sec === null ? null : new Date(sec * 1000).toISOString(), statsStale: sec === null || sec < Math.floor(now / 1000) - STALE_SECONDS };
}

export function directorStatus(d: Director, clusterName: string, clusterDesired: { number: number; hash: string } | null, now = Date.now()): DirectorStatus {
  // a staged rollout pins a director outside its current step to the revision it ran (rollouts.ts)
  const desired = d.pinnedRevision !== null && d.pinnedHash !== null ? { number: d.pinnedRevision, hash: d.pinnedHash } : clusterDesired;
  const connected = isConnected(d, now);
  const lastError = safe(NackSchema, d.lastError, null) as DirectorStatus['lastError'];
  const drift = safe(DriftSchema, d.drift, null);
  const inSync = !!desired && d.appliedRevision === desired.number && d.appliedHash === desired.hash;
  let state: DirectorState;
  if (d.revoked) state = 'revoked';
  else if (!d.lastSeenAt) state = 'never-connected';
  else if (!connected) state = 'offline';
  else if (lastError && desired && lastError.revision === desired.number) state = 'failed';
  else if (drift) state = 'drift';
  else if (!inSync) state = 'pending';
  else state = 'applied';
  return {
    id: d.id,
    name: d.name,
    cluster: clusterName,
    state,
    connected,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    connectedAt: connected ? (d.connectedAt?.toISOString() ?? null) : null,
    tokenPrefix: d.tokenPrefix,
    revoked: d.revoked,
    agentVersion: d.agentVersion,
    engine: d.engine,
    facts: safe(CapabilitiesSchema, d.facts, null),
    desiredRevision: desired?.number ?? null,
    appliedRevision: d.appliedRevision,
    appliedHash: d.appliedHash,
    appliedAt: d.appliedAt?.toISOString() ?? null,
    inSync,
    lastError,
    drift,
    health: safe(z.array(HealthStateSchema), d.health, []),
    drains: safe(z.array(DrainProgressSchema), d.drains, []),
    actualReportedAt: d.actualReportedAt?.toISOString() ?? null,
    lastVerifiedAt: d.verifiedAt?.toISOString() ?? null,
    ...statsFreshness(d.id, now),
    createdAt: d.createdAt.toISOString(),
  };
}

export function actualConfig(d: Pick<Director, 'actualConfig'>): DirectorConfig | null {
  if (d.actualConfig === null || d.actualConfig === undefined) return null;
  const r = DirectorConfigSchema.safeParse(d.actualConfig);
  return r.success ? r.data : null;
}
