// Promises of the code's shape that no compiler checks: the core stays pure, and the committed
// migrations build exactly the schema prisma/schema.prisma describes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__fixtures__' ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('the pure core', () => {
  it('lib/ipvs and lib/protocol import only each other and zod (they run in the browser too)', () => {
    const offenders: string[] = [];
    for (const dir of ['lib/ipvs', 'lib/protocol']) {
      for (const file of sourceFiles(path.join(root, dir))) {
        const text = fs.readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
          const spec = m[1] ?? m[2]!;
          const target = spec.startsWith('@/') ? spec.slice(2) : spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(file), spec)) : '';
          const inCore = /^lib\/(ipvs|protocol)\//.test(target);
          if (!inCore && spec !== 'zod') offenders.push(`${path.relative(root, file)} imports ${spec}`);
        }
        if (/\bprocess\.(env|argv|exit)|\brequire\(/.test(text)) offenders.push(`${path.relative(root, file)} touches the process`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

type Shape = Record<string, unknown>;
function shapeOf(db: Database.Database): Shape {
  const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like '\\_prisma%' escape '\\' and name not like 'sqlite%' order by name").pluck().all() as string[];
  return Object.fromEntries(
    tables.map((t) => [
      t,
      {
        columns: db.prepare(`pragma table_info("${t}")`).all(),
        foreignKeys: db
          .prepare(`pragma foreign_key_list("${t}")`)
          .all()
          .map((f) => ({ ...(f as object), id: undefined, seq: undefined })),
        indexes: (db.prepare(`pragma index_list("${t}")`).all() as { name: string; unique: number; origin: string }[])
          .map((i) => ({
            name: i.name,
            unique: i.unique,
            columns: db
              .prepare(`pragma index_info("${i.name}")`)
              .all()
              .map((c) => (c as { name: string }).name),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      },
    ]),
  );
}

describe('migrations', () => {
  it('the committed SQLite migrations build the schema of prisma/schema.prisma', () => {
    const dir = path.join(root, 'prisma', 'migrations');
    const applied = new Database(':memory:');
    for (const m of fs
      .readdirSync(dir)
      .filter((d) => fs.statSync(path.join(dir, d)).isDirectory())
      .sort()) {
      applied.exec(fs.readFileSync(path.join(dir, m, 'migration.sql'), 'utf8'));
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-drift-'));
    const r = spawnSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: `file:${path.join(tmp, 'x.db')}` },
    });
    fs.rmSync(tmp, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    const fromSchema = new Database(':memory:');
    fromSchema.exec(r.stdout);
    expect(shapeOf(applied)).toEqual(shapeOf(fromSchema));
  });
});
