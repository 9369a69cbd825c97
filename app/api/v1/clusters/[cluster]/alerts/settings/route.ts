// GET/PATCH /api/v1/clusters/{cluster}/alerts/settings: flapping rule, hold-down, disconnect limit.
import { route, who } from '@/lib/server/http';
import { getAlertSettings, updateAlertSettings } from '@/lib/server/alerts/settings';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('getAlertSettings', async (ctx) => getAlertSettings(ctx.params.cluster!));
export const PATCH = route('updateAlertSettings', async (ctx) => updateAlertSettings(ctx.params.cluster!, ctx.body, who(ctx)));
