// Minute rollups are the one bulk write of the control plane: a director with 1,000 services and
// 4,000 real servers closes 5,001 rows a minute. Through Prisma that is ~2 s of query-engine work;
// straight through the driver it is ~50 ms (SQLite: one prepared upsert in a transaction on a
// second WAL connection; PostgreSQL: one INSERT … SELECT FROM unnest(…) per 1,000 rows).
// A minute seen before merges: counters add up, averages are weighted by their sample counts.
import crypto from 'node:crypto';
import type { DatabaseTarget } from './db-url';
import { onCloseDb } from './db';

export interface RollupRow {
  directorId: string;
  serviceKey: string;
  destKey: string;
  minute: number;
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
  activeConns: number;
  inactConns: number;
  cps: number;
  inpps: number;
  outpps: number;
  inbps: number;
  outbps: number;
  samples: number;
}

const COLS = [
  'id',
  'directorId',
  'serviceKey',
  'destKey',
  'minute',
  'conns',
  'inPkts',
  'outPkts',
  'inBytes',
  'outBytes',
  'activeConns',
  'inactConns',
  'cps',
  'inpps',
  'outpps',
  'inbps',
  'outbps',
  'samples',
] as const;
const SUMS: readonly string[] = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'];
const AVGS = ['activeConns', 'inactConns', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'];
const q = (c: string) => `"${c}"`;
const ON_CONFLICT = `ON CONFLICT ("directorId", "serviceKey", "destKey", "minute") DO UPDATE SET ${[
  ...SUMS.map((c) => `${q(c)} = "StatsRollup".${q(c)} + excluded.${q(c)}`),
  ...AVGS.map((c) => `${q(c)} = ("StatsRollup".${q(c)} * "StatsRollup"."samples" + excluded.${q(c)} * excluded."samples") / ("StatsRollup"."samples" + excluded."samples")`),
  `"samples" = "StatsRollup"."samples" + excluded."samples"`,
].join(', ')}`;

/** A row's values in COLS order with a new id; the counters (SUMS, 64-bit columns) go through `big` (BigInt for SQLite, a decimal string for PostgreSQL's int8). */
function rowValues(r: RollupRow, big: (n: number) => unknown): unknown[] {
  return COLS.map((c) => (c === 'id' ? crypto.randomUUID() : SUMS.includes(c) ? big(r[c] as number) : r[c]));
}

interface Writer {
  url: string;
  write(rows: RollupRow[]): Promise<void>;
  close(): Promise<void>;
}

const g = globalThis as typeof globalThis & { __lvsRollupWriter?: Promise<Writer> };

onCloseDb(async () => {
  const w = g.__lvsRollupWriter;
  g.__lvsRollupWriter = undefined;
  if (w) await (await w.catch(() => null))?.close();
});

export async function writeRollups(target: DatabaseTarget, rows: RollupRow[]): Promise<void> {
  if (!rows.length) return;
  let w = await g.__lvsRollupWriter?.catch(() => null);
  if (!w || w.url !== target.url) {
    await w?.close();
    const p = target.kind === 'postgres' ? pgWriter(target.url) : sqliteWriter(target.url, target.file);
    g.__lvsRollupWriter = p;
    w = await p;
  }
  await w.write(rows);
}

const isForeignKeyError = (e: unknown) => /FOREIGN KEY|foreign key|23503/.test(`${(e as Error).message} ${(e as { code?: string }).code}`);

async function sqliteWriter(url: string, file: string): Promise<Writer> {
  const { default: Database } = await import('better-sqlite3');
  const d = new Database(file, { timeout: 5000 });
  d.pragma('foreign_keys = ON'); // per connection in SQLite
  const stmt = d.prepare(`INSERT INTO "StatsRollup" (${COLS.map(q).join(', ')}) VALUES (${COLS.map(() => '?').join(', ')}) ${ON_CONFLICT}`);
  const insertAll = d.transaction((rows: RollupRow[]) => {
    for (const r of rows) {
      try {
        stmt.run(...rowValues(r, (n) => BigInt(n)));
      } catch (e) {
        if (!isForeignKeyError(e)) throw e; // the director was deleted meanwhile: its rows go with it
      }
    }
  });
  return {
    url,
    async write(rows) {
      insertAll(rows);
    },
    async close() {
      d.close();
    },
  };
}

async function pgWriter(url: string): Promise<Writer> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'lvs-console-rollups' });
  pool.on('error', () => undefined); // a dropped idle connection is replaced on the next write
  const types = ['text', 'text', 'text', 'text', 'int4', 'int8', 'int8', 'int8', 'int8', 'int8', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8', 'int4'];
  const text = `INSERT INTO "StatsRollup" (${COLS.map(q).join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ${ON_CONFLICT}`;
  return {
    url,
    async write(rows) {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        const cols: unknown[][] = COLS.map(() => []);
        for (const r of chunk) {
          rowValues(r, (n) => String(Math.round(n))).forEach((x, k) => cols[k]!.push(x));
        }
        try {
          await pool.query(text, cols);
        } catch (e) {
          if (isForeignKeyError(e)) return;
          throw e;
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}
