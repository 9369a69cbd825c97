// DELETE /api/v1/tokens/{token}: revoke an API token.
import { route, who } from '@/lib/server/http';
import { revokeToken } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const DELETE = route('revokeToken', async (ctx) => {
  await revokeToken(ctx.principal, ctx.params.token!, who(ctx));
  return { ok: true };
});
