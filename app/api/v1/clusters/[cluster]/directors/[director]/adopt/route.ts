// POST .../directors/{director}/adopt: drift -> the director's live table becomes the next revision.
import { json, route, who } from '@/lib/server/http';
import { adoptActual } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('adoptActual', async (ctx) => json(await adoptActual(ctx.params.cluster!, ctx.params.director!, ctx.body, who(ctx)), 201));
