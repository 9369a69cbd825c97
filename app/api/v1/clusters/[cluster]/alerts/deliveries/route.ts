// GET /api/v1/clusters/{cluster}/alerts/deliveries: the delivery log, newest first (admin).
import { route } from '@/lib/server/http';
import { listDeliveries } from '@/lib/server/alerts/targets';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listAlertDeliveries', async (ctx) => listDeliveries(ctx.params.cluster!, ctx.query));
