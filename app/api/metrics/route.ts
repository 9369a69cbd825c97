// GET /api/metrics: Prometheus text format (viewer role; scrape with an API token).
import { route } from '@/lib/server/http';
import { renderMetrics } from '@/lib/server/fleet';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('metrics', async () => new Response(await renderMetrics(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' } }));
