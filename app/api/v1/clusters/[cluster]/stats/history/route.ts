// GET .../stats/history: minute rollups over 1h/24h/7d/30d.
import { route } from '@/lib/server/http';
import { historyStats } from '@/lib/server/stats-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('historyStats', async ({ params, query }) => historyStats(params.cluster!, query));
