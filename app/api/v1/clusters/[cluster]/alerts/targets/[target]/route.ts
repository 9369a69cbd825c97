// PATCH/DELETE /api/v1/clusters/{cluster}/alerts/targets/{target} (by id or name).
import { route, who } from '@/lib/server/http';
import { deleteTarget, updateTarget } from '@/lib/server/alerts/targets';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = route('updateAlertTarget', async (ctx) => updateTarget(ctx.params.cluster!, ctx.params.target!, ctx.body, who(ctx)));
export const DELETE = route('deleteAlertTarget', async (ctx) => {
  await deleteTarget(ctx.params.cluster!, ctx.params.target!, who(ctx));
  return { ok: true };
});
