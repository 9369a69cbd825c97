// What every proof starts from: a fresh migrated database (SQLite in a temp dir, or a PostgreSQL
// URL), an operator token, one cluster whose directors each carry `servers` real servers, and the
// directors registered with their tokens through the same code the API runs. The seeding happens
// in the proof's process; the console process is started on the result afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DirectorConfig } from '@/lib/ipvs/model';
import { migrateDatabase } from '@/lib/server/migrate';

const sys = { actor: 'proof', clientIp: null };
export const CLUSTER = 'fleet';

/** `services` services of `perService` real servers each, all on loopback-free documentation ranges. */
export function fleetConfig(services: number, perService: number, healthCheck = false): DirectorConfig {
  return {
    globals: { timeouts: null, syncDaemons: [] },
    services: Array.from({ length: services }, (_, s) => ({
      protocol: 'tcp' as const,
      address: `10.200.${s}.1`,
      port: 80,
      scheduler: 'wlc' as const,
      schedFlags: [],
      onePacket: false,
      ...(healthCheck && s === 0 ? { healthCheck: { type: 'tcp' as const, path: '/', expectStatus: 200, interval: 1, timeout: 1, rise: 2, fall: 3, onFailure: 'quiesce' as const } } : {}),
      realServers: Array.from({ length: perService }, (_, r) => ({ address: `10.201.${s}.${r + 2}`, port: 80, forwarding: 'route' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 })),
    })),
  } as DirectorConfig;
}

export interface Seeded {
  databaseUrl: string;
  /** an operator API token for the console's REST API */
  operator: string;
  tokens: string[];
  dispose(): Promise<void>;
}

/** A fresh database (SQLite under a temp dir unless `databaseUrl` is given) with one cluster of `directors`. */
export async function seed(o: { directors: number; config: DirectorConfig; databaseUrl?: string; dir?: string }): Promise<Seeded> {
  process.env.LVS_SCRYPT_LOG2N ??= '12';
  const tmp = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-proof-'));
  const databaseUrl = o.databaseUrl ?? `file:${path.join(tmp, 'proof.db')}`;
  process.env.DATABASE_URL = databaseUrl;
  await migrateDatabase(databaseUrl);
  const { db, closeDb } = await import('@/lib/server/db');
  const { createUser, createToken } = await import('@/lib/server/users');
  const { createCluster } = await import('@/lib/server/clusters');
  const { registerDirector } = await import('@/lib/server/directors');
  await createUser({ username: 'proof', password: 'proof proof proof proof', role: 'admin' }, sys);
  const u = await (await db()).user.findUniqueOrThrow({ where: { username: 'proof' } });
  const operator = (await createToken({ kind: 'user', via: 'session', userId: u.id, username: 'proof', role: 'admin', userRole: 'admin', actor: 'proof' }, { name: 'proof', role: 'operator' }, sys))
    .secret;
  await createCluster({ name: CLUSTER, description: 'proof fleet', driftPolicy: 'enforce', config: o.config }, sys);
  const tokens: string[] = [];
  for (let i = 0; i < o.directors; i++) tokens.push((await registerDirector(CLUSTER, `d${String(i).padStart(4, '0')}`, sys, 'http://127.0.0.1')).token);
  await closeDb();
  return {
    databaseUrl,
    operator,
    tokens,
    async dispose() {
      await closeDb();
      if (!o.dir) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The console's REST API as the operator. */
export function api(base: string, operator: string) {
  return async <T = unknown>(p: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${p}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      // a console that never answers is a finding, not a hung proof
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T };
  };
}
