// POST /api/v1/clusters/{cluster}/rollouts/{revision}/actions: pause, resume, abort, rollback.
import { intParam, route, who } from '@/lib/server/http';
import { rolloutAction } from '@/lib/server/rollouts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('rolloutAction', async (ctx) => rolloutAction(ctx.params.cluster!, intParam(ctx.params.revision!, 'revision'), ctx.body, who(ctx)));
