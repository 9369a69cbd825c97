// GET /api/v1/clusters/{cluster}/rollouts: the staged rollouts, newest first.
import { route } from '@/lib/server/http';
import { listRollouts } from '@/lib/server/rollouts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listRollouts', async ({ params }) => listRollouts(params.cluster!));
