// GET/POST /api/v1/clusters/{cluster}/directors: list, register (token shown once).
import { json, publicUrl, route, who } from '@/lib/server/http';
import { listDirectors, registerDirector } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('listDirectors', async ({ params }) => listDirectors(params.cluster!));
export const POST = route('registerDirector', async (ctx) => json(await registerDirector(ctx.params.cluster!, ctx.body.name, who(ctx), publicUrl(ctx.req)), 201));
