// GET .../directors/{director}/plan: what the director would run now.
import { route } from '@/lib/server/http';
import { directorPlan } from '@/lib/server/directors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route('directorPlan', async ({ params }) => directorPlan(params.cluster!, params.director!));
