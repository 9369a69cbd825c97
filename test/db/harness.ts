// Test databases: a fresh SQLite file or a fresh PostgreSQL database per test file, migrated with
// the real `prisma migrate deploy` (so the committed migrations are what gets tested), and the
// process-wide client pointed at it. PostgreSQL comes from LVS_TEST_PG_URL; without it the
// PostgreSQL half is skipped, unless LVS_REQUIRE_PG=1 makes that a failure.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeDb } from '@/lib/server/db';
import { migrateDatabase } from '@/lib/server/migrate';
import { bus } from '@/lib/server/bus';
import { resetThrottle } from '@/lib/server/auth/throttle';
import { hub } from '@/lib/server/hub';
import { statsStore } from '@/lib/server/stats';
import { createUser } from '@/lib/server/users';
import type { Role } from '@/lib/api/schemas';
import { signIn, type Caller } from '../api/caller';
import type { RollupRow } from '@/lib/server/rollup-writer';

export const root = path.resolve(import.meta.dirname, '../..');
export type Backend = 'sqlite' | 'postgres';

// fast password hashing in tests (the hash records its cost; production uses 2^17)
process.env.LVS_SCRYPT_LOG2N ??= '12';

export const PG_URL = process.env.LVS_TEST_PG_URL ?? '';
export const REQUIRE_PG = process.env.LVS_REQUIRE_PG === '1';

/** The backends this run covers: SQLite always; PostgreSQL when configured (or required). */
export function backends(): Backend[] {
  if (PG_URL) return ['sqlite', 'postgres'];
  if (REQUIRE_PG) return ['sqlite', 'postgres']; // setup fails with a clear message
  return ['sqlite'];
}

/** SQLite: the real `prisma migrate deploy`; PostgreSQL: lib/server/migrate.ts (Prisma's wasm engine cannot, see there). */
export async function migrate(url: string): Promise<void> {
  if (url.startsWith('file:')) {
    try {
      execFileSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'deploy'], { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`prisma migrate deploy failed for ${url}:\n${err.stdout}\n${err.stderr}`);
    }
    return;
  }
  await migrateDatabase(url, root);
}

export interface TestDb {
  backend: Backend;
  url: string;
  drop(): Promise<void>;
}

/** A new, migrated, empty database; DATABASE_URL and the client now point at it. */
export async function createTestDb(backend: Backend): Promise<TestDb> {
  await closeDb();
  // the sign-in throttle's in-process counts belong to the previous database's users
  resetThrottle();
  const tag = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  if (backend === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-test-'));
    const file = path.join(dir, 'test.db');
    return ready(backend, `file:${file}`, async () => {
      await closeDb();
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
  if (!PG_URL) throw new Error('LVS_REQUIRE_PG=1 but LVS_TEST_PG_URL is not set (e.g. postgres://lvs:lvs@127.0.0.1:5432/lvs_test)');
  const name = `lvs_t_${tag}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`cannot reach PostgreSQL at LVS_TEST_PG_URL (${(e as Error).message})`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return ready(backend, u.toString(), async () => {
    // A close that waits on a query stuck behind the test's own load must not hang the suite:
    // DROP ... WITH (FORCE) below ends whatever connections are left.
    const within = (p: Promise<unknown>, what: string) =>
      Promise.race([p, new Promise((resolve) => setTimeout(() => resolve(console.warn(`test db: ${what} did not finish in 10 s`)), 10_000).unref())]);
    await within(bus.stop(), 'bus.stop()');
    await within(closeDb(), 'closeDb()');
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
}

/** Migrate the new database at `url`, point DATABASE_URL at it, and hand it over with its `drop`. */
async function ready(backend: Backend, url: string, drop: () => Promise<void>): Promise<TestDb> {
  await migrate(url);
  process.env.DATABASE_URL = url;
  return { backend, url, drop };
}

export const PASSWORD = 'correct horse battery staple';
export const SYSTEM = { actor: 'test', clientIp: null };

/** A change set's op adding an empty TCP service (the schema's output type, as a commit takes it). */
export const addServiceChange = (port: number, address = '10.1.0.1') =>
  ({ op: 'add-service', service: { protocol: 'tcp', address, port, scheduler: 'wlc', schedFlags: [], onePacket: false, realServers: [] } }) as never;

/** A new database (createTestDb) with these users (username -> role), each signed in. */
export async function dbWithUsers<U extends string>(backend: Backend, users: Record<U, Role>): Promise<{ tdb: TestDb; as: Record<U, Caller> }> {
  const tdb = await createTestDb(backend);
  const names = Object.keys(users) as U[];
  for (const username of names) await createUser({ username, password: PASSWORD, role: users[username] }, SYSTEM);
  const as = {} as Record<U, Caller>;
  for (const username of names) as[username] = await signIn(username, PASSWORD);
  return { tdb, as };
}

/** What a database test leaves behind: agent streams closed, the stats store empty, its database dropped. */
export async function closeTestDb(tdb: TestDb | undefined): Promise<void> {
  hub.closeAll();
  statsStore.reset();
  await tdb?.drop();
}

/** A minute rollup row: zero everywhere but what the test sets (`directorId` and `minute` at least). */
export function rollupRow(row: Pick<RollupRow, 'directorId' | 'minute'> & Partial<RollupRow>): RollupRow {
  const zero = { inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
  return { serviceKey: '', destKey: '', conns: 0, activeConns: 0, inactConns: 0, cps: 0, samples: 1, ...zero, ...row };
}
