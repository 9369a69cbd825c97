// Promises of the foundation: a bad database setting is one clear line, not a stack trace;
// the PostgreSQL schema is generated from the SQLite one and never drifts from it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseTarget, DatabaseUrlError, redact } from '@/lib/server/db-url';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function start(databaseUrl: string, extraEnv: Record<string, string> = {}) {
  return spawnSync(tsx, [path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, DATABASE_URL: databaseUrl, LVS_NO_AGENT: '1', LVS_SKIP_BUILD: '1', ...extraEnv },
  });
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() && !/npm warn/i.test(l));

describe('npm start refuses a bad database with one clear line', () => {
  it('names the accepted schemes for an unknown URL', () => {
    const r = start('mysql://root@localhost/lvs');
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['[lvs-console] error: DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "mysql://root@localhost/lvs"']);
  });

  it('says PostgreSQL is unreachable, with the password hidden', () => {
    const r = start('postgres://lvs:secret@127.0.0.1:1/lvs');
    expect(r.status).toBe(1);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('[lvs-console] error: cannot reach the PostgreSQL database at postgres://lvs:***@127.0.0.1:1/lvs (is it running?)');
    expect(r.stdout + r.stderr).not.toContain('secret');
  });
});

describe('npm start refuses bad settings with one clear line', () => {
  it('names every bad variable and the accepted range', () => {
    const r = start('file:./data/never-created.db', { LVS_STATS_RETENTION_DAYS: '30d', PORT: '70000' });
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['[lvs-console] error: PORT must be a whole number 1–65535 (got "70000"); LVS_STATS_RETENTION_DAYS must be a whole number 1–3650 (got "30d")']);
  });
});

describe('databaseTarget', () => {
  it('defaults to SQLite under ./data', () => {
    const t = databaseTarget(undefined, '/srv/app');
    expect(t).toEqual({ kind: 'sqlite', url: 'file:/srv/app/data/lvs-console.db', file: '/srv/app/data/lvs-console.db' });
  });
  it('accepts postgres:// and postgresql://', () => {
    expect(databaseTarget('postgresql://a:b@h:5432/d').kind).toBe('postgres');
    expect(databaseTarget('postgres://a@h/d').kind).toBe('postgres');
  });
  it('rejects an empty file: URL and garbage', () => {
    expect(() => databaseTarget('file:')).toThrow(DatabaseUrlError);
    expect(() => databaseTarget('lvs.db')).toThrow(/must start with file:/);
  });
  it('redacts passwords only', () => {
    expect(redact('postgres://u:p%40ss@h:1/d')).toBe('postgres://u:***@h:1/d');
    expect(redact('postgres://u@h/d')).toBe('postgres://u@h/d');
  });
});

describe('prisma schemas', () => {
  it('prisma/postgres/schema.prisma is generated from prisma/schema.prisma', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'prisma-sync.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
