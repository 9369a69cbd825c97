// GET .../stats/stream: server-sent events, a backfill then one sample per second.
import { route } from '@/lib/server/http';
import { statsStream } from '@/lib/server/stats-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('statsStream', async ({ req, params, query }) => statsStream(req, params.cluster!, query));
