// GET/POST /api/v1/clusters.
import { json, route, who } from '@/lib/server/http';
import { createCluster, listClusters } from '@/lib/server/clusters';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listClusters', async () => listClusters());
export const POST = route('createCluster', async (ctx) => json(await createCluster(ctx.body, who(ctx)), 201));
