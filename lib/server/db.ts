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
  const adapter = releasesLockOnFailedCommit(new PrismaBetterSQLite3({ url: target.file, timeout: 5000 } as { url: string }));
  const client = new PrismaClient({ adapter });
  // One connection per process (the adapter's), so these hold for every query.
  await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  await client.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  return client;
}

/**
 * When COMMIT fails (SQLITE_FULL, IOERR), Prisma throws without releasing the adapter's
 * transaction lock, so every later write would wait forever, even once space returns (found by
 * `npm run proof -- chaos --cases sqlite-full`). Here a failed COMMIT rolls back (SQLite may have
 * done so already) and releases the lock before the error goes on; a ROLLBACK that finds nothing
 * to roll back has done its job.
 */
function releasesLockOnFailedCommit<F extends { connect(): Promise<unknown> }>(factory: F): F {
  type Tx = { executeRaw(q: { sql: string }): Promise<number>; rollback(): Promise<void> };
  type Adapter = { startTransaction(...a: unknown[]): Promise<Tx> };
  const nothingToRollBack = (e: unknown) => /no transaction is active/i.test(errorText(e));
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = (await connect()) as Adapter;
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...a: unknown[]) => {
      const tx = await start(...a);
      const exec = tx.executeRaw.bind(tx);
      tx.executeRaw = async (q) => {
        try {
          return await exec(q);
        } catch (e) {
          if (q.sql === 'ROLLBACK' && nothingToRollBack(e)) return 0;
          if (q.sql === 'COMMIT') {
            await exec({ ...q, sql: 'ROLLBACK' }).catch(() => 0);
            await tx.rollback(); // releases the lock; Prisma will not, after a failed COMMIT
          }
          throw e;
        }
      };
      return tx;
    };
    return adapter;
  };
  return factory;
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
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|P1001|Can't reach database|connection terminated|Connection terminated|timeout exceeded when trying to connect/i.test(text))
    return `cannot reach ${where} (is it running?)`;
  if (/password authentication failed|P1000|no pg_hba.conf entry|authentication failed/i.test(text)) return `${where} refused the credentials`;
  if (/database "[^"]*" does not exist|P1003/i.test(text)) return `${where} does not exist`;
  if (/no such table|relation "[^"]*" does not exist|P2021/i.test(text)) return `${where} has no tables: run the migrations (npm start does)`;
  // PostgreSQL restarting or shutting down (57P01 admin shutdown, 57P03 cannot connect now)
  if (/57P01|57P03|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)/i.test(text))
    return `${where} is restarting; try again in a moment`;
  if (/SQLITE_FULL|database or disk is full/i.test(text)) return `the disk holding ${where} is full: free some space (nothing was written)`;
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
