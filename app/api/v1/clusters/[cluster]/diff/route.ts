// GET /api/v1/clusters/{cluster}/diff?from=&to=: structured and rules-text diff of two revisions.
import { route } from '@/lib/server/http';
import { diffRevisions } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('diffRevisions', async ({ params, query }) => diffRevisions(params.cluster!, query.from, query.to));
