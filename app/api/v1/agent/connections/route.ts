// POST /api/v1/agent/connections: the answer to a conn-query.
import { route } from '@/lib/server/http';
import { hub } from '@/lib/server/hub';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('agentConnections', async ({ principal, body }) => {
  await hub.answerConnections(principal, body);
  return { ok: true };
});
