// GET /api/v1/agent/stream: an agent's event stream (desired, reconcile, conn-query).
import { route } from '@/lib/server/http';
import { hub } from '@/lib/server/hub';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('agentStream', async ({ req, principal }) => hub.openAgentStream(principal, req));
