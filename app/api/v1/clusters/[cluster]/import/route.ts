// POST /api/v1/clusters/{cluster}/import: ipvsadm-save -n text, keepalived.conf or JSON -> a new revision.
import { json, route, who } from '@/lib/server/http';
import { importConfig } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('importConfig', async (ctx) => {
  const r = await importConfig(ctx.params.cluster!, ctx.body, who(ctx));
  return json(r, r.revision ? 201 : 200);
});
