// GET /api/v1/clusters/{cluster}/rollouts/{revision}: the staged rollout of one revision.
import { intParam, route } from '@/lib/server/http';
import { getRollout } from '@/lib/server/rollouts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('getRollout', async ({ params }) => getRollout(params.cluster!, intParam(params.revision!, 'revision')));
