// GET/POST /api/v1/users (admins).
import { json, route, who } from '@/lib/server/http';
import { createUser, listUsers } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listUsers', async () => listUsers());
export const POST = route('createUser', async (ctx) => json(await createUser(ctx.body, who(ctx)), 201));
