// POST /api/v1/clusters/{cluster}/import: ipvsadm-save -n text, keepalived.conf or JSON -> a new revision.
// The body's `format` names the input (new formats extend the body schema, not this route). The
// answer is a summary with a paged plan and diff (lib/server/plan-page.ts).
import { json, route, who } from '@/lib/server/http';
import { importPreview } from '@/lib/server/plan-page';
import { importConfig } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('importConfig', async (ctx) => {
  const r = await importConfig(ctx.params.cluster!, ctx.body, who(ctx));
  return json({ ...r, plan: importPreview(r.plan) }, r.revision ? 201 : 200);
});
