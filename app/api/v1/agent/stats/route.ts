// POST /api/v1/agent/stats: a batch of per-second samples (the compact `rows` shape, or the older
// `snapshots` one), admitted (lib/server/stats-admission.ts) as the store's rows before it sees them.
import { route } from '@/lib/server/http';
import { admitStats } from '@/lib/server/stats-admission';
import { ingestStats } from '@/lib/server/stats-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('agentStats', async ({ principal, body }) => {
  const { samples, dropped } = await admitStats(principal, body);
  const accepted = await ingestStats(principal, samples);
  // what was left out is said in the answer, not hidden
  return dropped.samples || dropped.series ? { ok: true, accepted, dropped } : { ok: true, accepted };
});
