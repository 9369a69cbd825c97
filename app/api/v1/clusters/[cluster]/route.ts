// GET/PATCH/DELETE /api/v1/clusters/{cluster} (by name or id).
import { route, who } from '@/lib/server/http';
import { deleteCluster, getClusterDetail, updateCluster } from '@/lib/server/clusters';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('getCluster', async ({ params, query }) => getClusterDetail(params.cluster!, query.first));
export const PATCH = route('updateCluster', async (ctx) => updateCluster(ctx.params.cluster!, ctx.body, who(ctx)));
export const DELETE = route('deleteCluster', async (ctx) => {
  await deleteCluster(ctx.params.cluster!, who(ctx));
  return { ok: true };
});
