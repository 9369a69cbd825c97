// Apply the committed migrations (prisma/migrations for SQLite, prisma/postgres/migrations for
// PostgreSQL) the way `prisma migrate deploy` does, into the same `_prisma_migrations` table with
// the same checksums, so either tool sees the other's work. Needed because Prisma 6.19's wasm
// schema engine cannot introspect PostgreSQL through @prisma/adapter-pg (prisma/orm#27403:
// "Column type 'name' could not be deserialized"), and the native engine would be a download.
// Every failure is one line an operator can act on (MigrationError), never a stack trace.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeDbFailure } from './db';
import { databaseTarget, redact, type DatabaseTarget } from './db-url';

export class MigrationError extends Error {}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationsDir(kind: DatabaseTarget['kind'], root = process.cwd()): string {
  return kind === 'postgres' ? path.join(root, 'prisma', 'postgres', 'migrations') : path.join(root, 'prisma', 'migrations');
}

function readMigrations(dir: string): Migration[] {
  if (!fs.existsSync(dir)) throw new MigrationError(`no migrations folder at ${dir}`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

type Row = { migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown };

function plan(migrations: Migration[], rows: Row[], where: string): Migration[] {
  const done = new Map(rows.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r]));
  for (const r of done.values()) {
    if (!r.finished_at) throw new MigrationError(`migration ${r.migration_name} failed earlier in ${where}; repair the database, then mark it rolled back`);
    const m = migrations.find((x) => x.name === r.migration_name);
    if (m && m.checksum !== r.checksum) throw new MigrationError(`migration ${r.migration_name} was changed after it was applied to ${where}`);
  }
  return migrations.filter((m) => !done.has(m.name));
}

export async function migrateDatabase(rawUrl = process.env.DATABASE_URL, root = process.cwd()): Promise<MigrationResult> {
  const target = databaseTarget(rawUrl, root);
  const migrations = readMigrations(migrationsDir(target.kind, root));
  try {
    return target.kind === 'postgres' ? await migratePostgres(target.url, migrations) : await migrateSqlite(target.file, migrations);
  } catch (e) {
    if (e instanceof MigrationError) throw e;
    const line = describeDbFailure(e, target);
    throw new MigrationError(line ?? `migration of ${target.kind === 'postgres' ? redact(target.url) : target.file} failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrationResult> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, application_name: 'lvs-console-migrate' });
  await c.connect();
  try {
    // the same lock key as Prisma Migrate: two starting processes never migrate at once
    await c.query('SELECT pg_advisory_lock(72707369)');
    await c.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await c.query<Row>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
    const todo = plan(migrations, rows, redact(url));
    for (const m of todo) {
      const id = crypto.randomUUID();
      await c.query('BEGIN');
      try {
        await c.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [id, m.checksum, m.name]);
        await c.query(m.sql);
        await c.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`migration ${m.name} failed on ${redact(url)}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: migrations.length - todo.length };
  } finally {
    await c.query('SELECT pg_advisory_unlock(72707369)').catch(() => undefined);
    await c.end().catch(() => undefined);
  }
}

async function migrateSqlite(file: string, migrations: Migration[]): Promise<MigrationResult> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { default: Database } = await import('better-sqlite3');
  const d = new Database(file, { timeout: 5000 });
  try {
    d.pragma('journal_mode = WAL');
    d.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL,
      "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    const rows = d.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"').all() as Row[];
    const todo = plan(migrations, rows, file);
    const now = () => new Date().toISOString().replace('Z', '+00:00');
    for (const m of todo) {
      const id = crypto.randomUUID();
      try {
        d.transaction(() => {
          d.prepare('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES (?, ?, ?, ?)').run(id, m.checksum, m.name, now());
          d.exec(m.sql);
          d.prepare('UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?').run(now(), id);
        })();
      } catch (e) {
        throw new MigrationError(`migration ${m.name} failed on ${file}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: migrations.length - todo.length };
  } finally {
    d.close();
  }
}
