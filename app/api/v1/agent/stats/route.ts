// POST /api/v1/agent/stats: a batch of per-second samples.
import { route } from '@/lib/server/http';
import { ingestStats } from '@/lib/server/stats-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('agentStats', async ({ principal, body }) => ({ ok: true, accepted: await ingestStats(principal, body.samples) }));
