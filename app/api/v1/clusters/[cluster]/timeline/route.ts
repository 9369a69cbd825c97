// GET /api/v1/clusters/{cluster}/timeline?service=: health transitions, config changes and failovers of one service.
import { route } from '@/lib/server/http';
import { serviceTimeline } from '@/lib/server/timeline';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('serviceTimeline', async (ctx) => serviceTimeline(ctx.params.cluster!, ctx.query));
