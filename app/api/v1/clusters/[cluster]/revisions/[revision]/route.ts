// GET /api/v1/clusters/{cluster}/revisions/{revision}: one revision with its config.
import { intParam, route } from '@/lib/server/http';
import { getRevision } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('getRevision', async ({ params }) => getRevision(params.cluster!, intParam(params.revision!, 'revision')));
