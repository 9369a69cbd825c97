// GET .../stats/current: every service's and real server's newest numbers, uncapped, from memory.
import { route } from '@/lib/server/http';
import { currentStats } from '@/lib/server/stats-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('currentStats', async ({ params, query }) => currentStats(params.cluster!, query));
