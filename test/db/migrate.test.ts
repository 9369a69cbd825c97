// Migrations and database failures: the committed migrations apply on an empty SQLite and
// PostgreSQL database, again as a no-op, in Prisma's own bookkeeping (so `prisma migrate deploy`
// agrees); a changed migration is refused; an unreachable or misconfigured database is one
// clear line, at migration time and at request time; SQLite runs with WAL and foreign keys.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, db, describeDbFailure } from '@/lib/server/db';
import { databaseTarget } from '@/lib/server/db-url';
import { migrateDatabase, MigrationError } from '@/lib/server/migrate';
import { call } from '../api/caller';
import { backends, createTestDb, PG_URL, root } from './harness';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-migrate-'));
/** the committed migrations, in the order they apply */
const committed = (dir: string) =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('migrations', () => {
  it('apply to an empty SQLite file, then are a no-op, and prisma migrate deploy agrees', async () => {
    const url = `file:${path.join(tmp, 'a.db')}`;
    const all = committed('prisma/migrations');
    expect(all[0]).toBe('0001_init');
    expect(await migrateDatabase(url, root)).toEqual({ applied: all, alreadyApplied: 0 });
    expect(await migrateDatabase(url, root)).toEqual({ applied: [], alreadyApplied: all.length });
    const out = execFileSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'deploy'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/No pending migrations to apply/);
  });

  it('refuse a migration that was edited after it was applied', async () => {
    const fake = path.join(tmp, 'root');
    fs.cpSync(path.join(root, 'prisma'), path.join(fake, 'prisma'), { recursive: true });
    const url = `file:${path.join(tmp, 'b.db')}`;
    await migrateDatabase(url, fake);
    fs.appendFileSync(path.join(fake, 'prisma', 'migrations', '0001_init', 'migration.sql'), '\n-- edited\n');
    await expect(migrateDatabase(url, fake)).rejects.toThrow(new MigrationError(`migration 0001_init was changed after it was applied to ${path.join(tmp, 'b.db')}`));
  });

  it.runIf(backends().includes('postgres'))('apply to an empty PostgreSQL database, then are a no-op', async () => {
    const t = await createTestDb('postgres'); // migrates
    try {
      expect(await migrateDatabase(t.url, root)).toEqual({ applied: [], alreadyApplied: committed('prisma/postgres/migrations').length });
      const prisma = await db();
      expect(await prisma.user.count()).toBe(0);
    } finally {
      await t.drop();
    }
  });
});

describe('a bad database is one clear line', () => {
  it('unreachable PostgreSQL, password hidden', async () => {
    const e = await migrateDatabase('postgres://lvs:secret@127.0.0.1:1/lvs', root).catch((x: Error) => x);
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as Error).message).toBe('cannot reach the PostgreSQL database at postgres://lvs:***@127.0.0.1:1/lvs (is it running?)');
  });

  it.runIf(!!PG_URL)('wrong password and missing database', async () => {
    const u = new URL(PG_URL);
    u.password = 'definitely-wrong';
    const bad = await migrateDatabase(u.toString(), root).catch((x: Error) => x.message);
    expect(bad).toMatch(/^the PostgreSQL database at postgres:\/\/[^:]+:\*\*\*@.* refused the credentials$/);
    const v = new URL(PG_URL);
    v.pathname = '/no_such_db_here';
    const missing = await migrateDatabase(v.toString(), root).catch((x: Error) => x.message);
    expect(missing).toMatch(/^the PostgreSQL database at .*no_such_db_here does not exist$/);
  });

  it('an API request with the database down answers 503 with one line, no stack', async () => {
    const saved = process.env.DATABASE_URL;
    await closeDb();
    process.env.DATABASE_URL = 'postgres://lvs:secret@127.0.0.1:1/lvs';
    try {
      const r = await call('health');
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ error: 'database unavailable: cannot reach the PostgreSQL database at postgres://lvs:***@127.0.0.1:1/lvs (is it running?)', issues: [] });
      expect(r.text).not.toContain('secret');
    } finally {
      await closeDb();
      process.env.DATABASE_URL = saved;
    }
  });

  it('a DATABASE_URL with an unknown scheme is refused by name', async () => {
    await expect(migrateDatabase('mysql://root@localhost/lvs', root)).rejects.toThrow('DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "mysql://root@localhost/lvs"');
    expect(describeDbFailure(new Error('no such table: main.User'), databaseTarget('file:/x/y.db'))).toBe('the SQLite database /x/y.db has no tables: run the migrations (npm start does)');
    expect(describeDbFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), databaseTarget('file:/x/y.db'))).toBe(
      'the disk holding the SQLite database /x/y.db is full: free some space (nothing was written)',
    );
    expect(describeDbFailure(new Error('terminating connection due to administrator command'), databaseTarget('postgres://u:secret@h:5432/lvs'))).toMatch(/is restarting; try again in a moment$/);
  });
});

describe('SQLite runs with WAL and foreign keys', () => {
  it('sets both pragmas on the connection the app uses', async () => {
    const t = await createTestDb('sqlite');
    try {
      const prisma = await db();
      const [mode] = await prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
      const [fk] = await prisma.$queryRawUnsafe<{ foreign_keys: number | bigint }[]>('PRAGMA foreign_keys');
      expect(mode!.journal_mode).toBe('wal');
      expect(Number(fk!.foreign_keys)).toBe(1);
      // and they bite: a director of a cluster that does not exist is refused
      await expect(prisma.director.create({ data: { clusterId: 'nope', name: 'x', tokenHash: 'h', tokenPrefix: 'p' } })).rejects.toThrow();
    } finally {
      await t.drop();
    }
  });
});
