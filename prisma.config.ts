// Prisma 6.19 offline: the CLI runs on its bundled wasm engine through a driver adapter,
// so nothing is downloaded. DATABASE_URL picks SQLite (file:) or PostgreSQL (postgres://).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { databaseTarget } from './lib/server/db-url';

const target = databaseTarget(process.env.DATABASE_URL);
process.env.DATABASE_URL = target.url;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: target.kind === 'postgres' ? path.join('prisma', 'postgres', 'schema.prisma') : path.join('prisma', 'schema.prisma'),
  migrations: { path: target.kind === 'postgres' ? path.join('prisma', 'postgres', 'migrations') : path.join('prisma', 'migrations') },
  async adapter() {
    if (target.kind === 'postgres') {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: target.url });
    }
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: target.url });
  },
});
