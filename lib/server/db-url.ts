// Which database: DATABASE_URL decides. Default: SQLite under ./data (the embedded quick start).
import path from 'node:path';

export type DatabaseTarget = { kind: 'sqlite'; url: string; file: string } | { kind: 'postgres'; url: string };

export class DatabaseUrlError extends Error {}

export function databaseTarget(raw: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const url = raw?.trim() || 'file:./data/lvs-console.db';
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new DatabaseUrlError(`DATABASE_URL is not a valid PostgreSQL URL: ${redact(url)}`);
    }
    return { kind: 'postgres', url };
  }
  if (url.startsWith('file:')) {
    const rel = url.slice('file:'.length);
    if (!rel) throw new DatabaseUrlError('DATABASE_URL "file:" names no file (use file:./data/lvs-console.db)');
    const file = path.resolve(cwd, rel);
    return { kind: 'sqlite', url: `file:${file}`, file };
  }
  throw new DatabaseUrlError(`DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "${redact(url)}"`);
}

/** Hide a password in a URL before printing it. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
