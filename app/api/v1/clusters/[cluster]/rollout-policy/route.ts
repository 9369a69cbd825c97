// GET/PATCH /api/v1/clusters/{cluster}/rollout-policy: how the cluster's revisions reach its directors.
import { route, who } from '@/lib/server/http';
import { getRolloutPolicy, setRolloutPolicy } from '@/lib/server/rollouts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('getRolloutPolicy', async ({ params }) => getRolloutPolicy(params.cluster!));
export const PATCH = route('setRolloutPolicy', async (ctx) => setRolloutPolicy(ctx.params.cluster!, ctx.body, who(ctx)));
