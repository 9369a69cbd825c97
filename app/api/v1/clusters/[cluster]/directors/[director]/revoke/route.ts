// POST .../directors/{director}/revoke: the token stops working, the agent is disconnected.
import { route, who } from '@/lib/server/http';
import { revokeDirector } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('revokeDirector', async (ctx) => revokeDirector(ctx.params.cluster!, ctx.params.director!, who(ctx)));
