// postinstall: generate both Prisma clients (SQLite and PostgreSQL). Offline: Prisma 6.19's
// wasm engine through driver adapters (prisma.config.ts), never a downloaded binary.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prisma = path.join(root, 'node_modules', '.bin', 'prisma');
execFileSync(process.execPath, [path.join(root, 'scripts', 'prisma-sync.mjs')], { stdio: 'inherit' });
for (const url of ['file:./data/lvs-console.db', 'postgres://generate@127.0.0.1:5432/generate']) {
  execFileSync(prisma, ['generate'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DATABASE_URL: url } });
}
console.log('prisma: generated lib/generated/sqlite and lib/generated/pg');
