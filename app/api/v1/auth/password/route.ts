// POST /api/v1/auth/password: change your own password (other sessions end).
import { route, who } from '@/lib/server/http';
import { changeOwnPassword } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('changePassword', async (ctx) => {
  await changeOwnPassword(ctx.principal, ctx.body.currentPassword, ctx.body.newPassword, who(ctx));
  return { ok: true };
});
