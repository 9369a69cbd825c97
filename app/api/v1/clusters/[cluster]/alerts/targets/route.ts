// GET/POST /api/v1/clusters/{cluster}/alerts/targets: webhook targets (admin).
import { route, who } from '@/lib/server/http';
import { createTarget, listTargets } from '@/lib/server/alerts/targets';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listAlertTargets', async (ctx) => listTargets(ctx.params.cluster!));
export const POST = route('createAlertTarget', async (ctx) => createTarget(ctx.params.cluster!, ctx.body, who(ctx)));
