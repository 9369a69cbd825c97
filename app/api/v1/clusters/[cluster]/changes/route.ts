// POST /api/v1/clusters/{cluster}/changes: apply a change set = a new revision, pushed at once.
import { json, route, who } from '@/lib/server/http';
import { commitChangeSet } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('commitChanges', async (ctx) => json(await commitChangeSet(ctx.params.cluster!, ctx.body, who(ctx)), 201));
