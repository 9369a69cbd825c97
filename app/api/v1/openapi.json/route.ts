// GET /api/v1/openapi.json: this API as OpenAPI 3.1, generated from the zod schemas.
import { json, publicUrl, route } from '@/lib/server/http';
import { openApiDocument } from '@/lib/server/openapi';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('openapi', async ({ req }) => json(openApiDocument(publicUrl(req))));
