// GET /api/v1/clusters/{cluster}/ha: VIP ownership, split brain / orphan VIPs, the latest failovers.
import { route } from '@/lib/server/http';
import { clusterHa } from '@/lib/server/ha';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('clusterHa', async ({ params }) => clusterHa(params.cluster!));
