// GET /api/v1/clusters/{cluster}/health/availability: per real server and director, 24 h / 7 d / 30 d.
import { route } from '@/lib/server/http';
import { serverAvailability } from '@/lib/server/health-history';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('healthAvailability', async (ctx) => serverAvailability(ctx.params.cluster!, ctx.query));
