// GET /api/v1/clusters/{cluster}/revisions: history, newest first.
import { route } from '@/lib/server/http';
import { listRevisions } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listRevisions', async ({ params, query }) => listRevisions(params.cluster!, query));
