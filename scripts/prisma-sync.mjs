// prisma/schema.prisma (SQLite) is the source; write prisma/postgres/schema.prisma from it.
// `--check` exits 1 when the committed PostgreSQL schema is stale (used by the tests).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');
export const pgSchema = src
  .replace('// The source of truth for the data model (SQLite, the embedded default).', '// GENERATED from prisma/schema.prisma by scripts/prisma-sync.mjs: edit that file, then run it.')
  .replace('output     = "../lib/generated/sqlite"', 'output     = "../../lib/generated/pg"')
  .replace('provider = "sqlite"', 'provider = "postgresql"');
const dest = path.join(root, 'prisma/postgres/schema.prisma');
if (process.argv.includes('--check')) {
  const cur = fs.existsSync(dest) ? fs.readFileSync(dest, 'utf8') : '';
  if (cur !== pgSchema) {
    console.error('prisma/postgres/schema.prisma is stale: run node scripts/prisma-sync.mjs');
    process.exit(1);
  }
} else {
  fs.writeFileSync(dest, pgSchema);
}
