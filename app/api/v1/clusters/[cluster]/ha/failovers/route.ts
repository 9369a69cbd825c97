// GET /api/v1/clusters/{cluster}/ha/failovers: the failover timeline.
import { route } from '@/lib/server/http';
import { listFailovers } from '@/lib/server/ha';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listFailovers', async ({ params, query }) => listFailovers(params.cluster!, query));
