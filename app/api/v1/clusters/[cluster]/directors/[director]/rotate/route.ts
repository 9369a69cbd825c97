// POST .../directors/{director}/rotate: a new token (shown once); the old one stops working.
import { publicUrl, route, who } from '@/lib/server/http';
import { rotateDirectorToken } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('rotateDirectorToken', async (ctx) => rotateDirectorToken(ctx.params.cluster!, ctx.params.director!, who(ctx), publicUrl(ctx.req)));
