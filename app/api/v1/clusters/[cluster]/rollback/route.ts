// POST /api/v1/clusters/{cluster}/rollback: a new revision equal to an old one.
import { json, route, who } from '@/lib/server/http';
import { rollback } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('rollback', async (ctx) => json(await rollback(ctx.params.cluster!, ctx.body, who(ctx)), 201));
