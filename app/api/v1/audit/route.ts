// GET /api/v1/audit: the audit log, newest first, filtered.
import { route } from '@/lib/server/http';
import { queryAudit } from '@/lib/server/audit';
import { db } from '@/lib/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listAudit', async ({ query }) => queryAudit(await db(), query));
