// GET/DELETE /api/v1/clusters/{cluster}/directors/{director}.
import { route, who } from '@/lib/server/http';
import { deleteDirector, getDirector } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('getDirector', async ({ params }) => getDirector(params.cluster!, params.director!));
export const DELETE = route('deleteDirector', async (ctx) => {
  await deleteDirector(ctx.params.cluster!, ctx.params.director!, who(ctx));
  return { ok: true };
});
