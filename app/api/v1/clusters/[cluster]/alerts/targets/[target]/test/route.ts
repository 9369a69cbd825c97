// POST /api/v1/clusters/{cluster}/alerts/targets/{target}/test: queue a test alert to one target.
import { route, who } from '@/lib/server/http';
import { sendTest } from '@/lib/server/alerts/targets';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('testAlertTarget', async (ctx) => sendTest(ctx.params.cluster!, ctx.params.target!, who(ctx)));
