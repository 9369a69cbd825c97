// POST /api/v1/clusters/{cluster}/ha/demo-failover: demo only; moves the simulated VRRP segment's master.
import { route, who } from '@/lib/server/http';
import { demoFailover } from '@/lib/server/ha-demo';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('demoFailover', async (ctx) => demoFailover(ctx.params.cluster!, who(ctx)));
