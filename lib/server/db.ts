// The Prisma client, chosen by DATABASE_URL: SQLite through better-sqlite3 (embedded default) or
// PostgreSQL through node-postgres. Created lazily and kept on globalThis, so `next build` never
// opens a database and dev-mode reloads reuse one client. Data-access code is written once against
// the SQLite client's types; the PostgreSQL client is generated from the same models.
import fs from 'node:fs';
import path from 'node:path';
import type { Prisma, PrismaClient } from '../generated/sqlite/client';
import { databaseTarget, redact, type DatabaseTarget } from './db-url';
import { settings } from './settings';

export type Db = PrismaClient;
/** What an interactive transaction callback receives; data-access helpers accept either. */
export type Tx = Prisma.TransactionClient;
export type DbOrTx = Db | Tx;

type State = { target: DatabaseTarget; client: Promise<Db> };
const g = globalThis as typeof globalThis & { __lvsDb?: State };

/** The database this process uses (throws DatabaseUrlError for a bad DATABASE_URL). */
export function dbTarget(): DatabaseTarget {
  return g.__lvsDb?.target ?? databaseTarget(process.env.DATABASE_URL);
}

export function db(): Promise<Db> {
  if (!g.__lvsDb) {
    const target = databaseTarget(process.env.DATABASE_URL);
    const client = open(target);
    g.__lvsDb = { target, client };
    // a failed open must not be cached forever: the next call retries
    client.catch(() => {
      if (g.__lvsDb?.client === client) g.__lvsDb = undefined;
    });
  }
  return g.__lvsDb.client;
}

async function open(target: DatabaseTarget): Promise<Db> {
  if (target.kind === 'postgres') {
    const [{ PrismaClient }, { PrismaPg }] = await Promise.all([import('../generated/pg/client'), import('@prisma/adapter-pg')]);
    const adapter = new PrismaPg({ connectionString: target.url, max: settings().LVS_PG_POOL, connectionTimeoutMillis: 5000 });
    return new PrismaClient({ adapter }) as unknown as Db;
  }
  fs.mkdirSync(path.dirname(target.file), { recursive: true });
  const [{ PrismaClient }, { PrismaBetterSQLite3 }] = await Promise.all([import('../generated/sqlite/client'), import('@prisma/adapter-better-sqlite3')]);
  // better-sqlite3 options: `timeout` is the busy timeout (another process holds the write lock)
  const adapter = new PrismaBetterSQLite3({ url: target.file, timeout: 5000 } as { url: string });
  const client = new PrismaClient({ adapter });
  // One connection per process (the adapter's), so these hold for every query.
  await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  await client.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  return client;
}

const closers = new Set<() => Promise<void>>();
/** Other connections to the same database (the stats writer) close with the client. */
export function onCloseDb(fn: () => Promise<void>): void {
  closers.add(fn);
}

/** Close the client (tests, scripts). The next db() opens a new one. */
export async function closeDb(): Promise<void> {
  const s = g.__lvsDb;
  g.__lvsDb = undefined;
  for (const fn of closers) await fn().catch(() => undefined);
  if (s) await (await s.client.catch(() => null))?.$disconnect();
}

/**
 * Turn a database failure into one line an operator can act on, or null when it is not a
 * connection/credentials problem (then it is a bug and stays a 500).
 */
export function describeDbFailure(err: unknown, target: DatabaseTarget = dbTarget()): string | null {
  const text = errorText(err);
  const where = target.kind === 'postgres' ? `the PostgreSQL database at ${redact(target.url)}` : `the SQLite database ${target.file}`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|P1001|Can't reach database|connection terminated|Connection terminated|timeout exceeded when trying to connect/i.test(text)) return `cannot reach ${where} (is it running?)`;
  if (/password authentication failed|P1000|no pg_hba.conf entry|authentication failed/i.test(text)) return `${where} refused the credentials`;
  if (/database "[^"]*" does not exist|P1003/i.test(text)) return `${where} does not exist`;
  if (/no such table|relation "[^"]*" does not exist|P2021/i.test(text)) return `${where} has no tables: run the migrations (npm start does)`;
  if (/SQLITE_BUSY|database is locked/i.test(text)) return `${where} is locked by another process`;
  if (/SQLITE_CANTOPEN|unable to open database/i.test(text)) return `cannot open ${where}`;
  return null;
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof Error) {
      parts.push(e.message, String((e as { code?: unknown }).code ?? ''));
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' ');
}
