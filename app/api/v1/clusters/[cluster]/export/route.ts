// GET /api/v1/clusters/{cluster}/export?format=rules|json|keepalived[&revision=N][&download=1].
import { route } from '@/lib/server/http';
import { exportConfig } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('exportConfig', async ({ params, query }) => {
  const out = await exportConfig(params.cluster!, query.format, query.revision);
  const headers: Record<string, string> = { 'content-type': out.contentType, 'cache-control': 'no-store' };
  if (query.download === '1') headers['content-disposition'] = `attachment; filename="${out.filename}"`;
  return new Response(out.body, { headers });
});
