// POST /api/v1/clusters/{cluster}/plan: plan preview of a change set; commits nothing.
import { route } from '@/lib/server/http';
import { previewChangeSet } from '@/lib/server/revisions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route('previewChanges', async ({ params, body }) => previewChangeSet(params.cluster!, body));
