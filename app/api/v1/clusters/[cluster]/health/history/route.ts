// GET /api/v1/clusters/{cluster}/health/history: real servers' health transitions, newest first.
import { route } from '@/lib/server/http';
import { healthHistory } from '@/lib/server/health-history';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('healthHistory', async (ctx) => healthHistory(ctx.params.cluster!, ctx.query));
