// GET .../stats/live: per-second series from memory.
import { route } from '@/lib/server/http';
import { liveStats } from '@/lib/server/stats-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('liveStats', async ({ params, query }) => liveStats(params.cluster!, query));
