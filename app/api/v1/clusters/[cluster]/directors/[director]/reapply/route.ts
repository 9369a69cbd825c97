// POST .../directors/{director}/reapply: drift -> re-apply the desired revision now.
import { route, who } from '@/lib/server/http';
import { reapply } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('reapplyDirector', async (ctx) => reapply(ctx.params.cluster!, ctx.params.director!, who(ctx)));
