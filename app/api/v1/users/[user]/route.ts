// PATCH/DELETE /api/v1/users/{user} (admins; by username or id).
import { route, who } from '@/lib/server/http';
import { deleteUser, updateUser } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = route('updateUser', async (ctx) => updateUser(ctx.params.user!, ctx.body, who(ctx)));
export const DELETE = route('deleteUser', async (ctx) => {
  await deleteUser(ctx.params.user!, who(ctx));
  return { ok: true };
});
