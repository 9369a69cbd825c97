// GET .../directors/{director}/connections: the live connection table, via the director's agent.
import { route } from '@/lib/server/http';
import { listConnections } from '@/lib/server/connections';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listConnections', async ({ params, query }) => listConnections(params.cluster!, params.director!, query));
