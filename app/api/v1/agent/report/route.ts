// POST /api/v1/agent/report: hello, ack, nack, state, health, drain.
import { route } from '@/lib/server/http';
import { handleReport } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('agentReport', async ({ principal, body }) => {
  await handleReport(principal, body);
  return { ok: true };
});
