// POST /api/v1/auth/login: password sign-in -> HTTP-only SameSite=Lax session cookie.
import { isHttps, json, route } from '@/lib/server/http';
import { login, sessionCookie, userView } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('login', async ({ req, body, clientIp }) => {
  const { cookieValue, user, expiresAt } = await login(body.username, body.password, { clientIp, userAgent: req.headers.get('user-agent') });
  const secure = isHttps(req);
  const role = user.role as 'admin' | 'operator' | 'viewer';
  return json({ user: userView(user), via: 'session', role }, 200, { 'set-cookie': sessionCookie(cookieValue, expiresAt, secure) });
});
