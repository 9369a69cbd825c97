// GET /api/v1/health: liveness (public): the process answers and its database does.
import { route } from '@/lib/server/http';
import { db, dbTarget } from '@/lib/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('health', async () => {
  const prisma = await db();
  await prisma.$queryRawUnsafe('SELECT 1');
  return { ok: true, database: dbTarget().kind, version: process.env.npm_package_version ?? '0.1.0' };
});
