// POST /api/v1/auth/logout: ends the session and clears the cookie.
import { json, route, who } from '@/lib/server/http';
import { logout, sessionCookie } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('logout', async (ctx) => {
  await logout(ctx.principal, who(ctx));
  return json({ ok: true }, 200, { 'set-cookie': sessionCookie('', null, false) });
});
