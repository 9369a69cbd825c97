// GET /api/v1/auth/me: who is calling and with which effective role.
import { route } from '@/lib/server/http';
import { me } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('me', async ({ principal }) => me(principal));
