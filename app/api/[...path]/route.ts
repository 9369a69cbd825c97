// Any other path under /api: a JSON 404 naming the path (not Next's HTML page), for every method.
import { errorBody, json } from '@/lib/server/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function notFound(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  return json(errorBody(`no API endpoint ${req.method} ${pathname} (see /api/v1/openapi.json)`), 404);
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
