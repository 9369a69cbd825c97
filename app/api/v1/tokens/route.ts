// GET/POST /api/v1/tokens: API tokens (the secret is shown once).
import { json, route, who } from '@/lib/server/http';
import { createToken, listTokens } from '@/lib/server/users';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listTokens', async ({ principal }) => listTokens(principal));
export const POST = route('createToken', async (ctx) => json(await createToken(ctx.principal, ctx.body, who(ctx)), 201));
