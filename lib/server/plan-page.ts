// A preview whose per-director ops are a first page: an import of a large config planned for
// many directors would otherwise answer tens of MB (issue 11 #7). opsTotal says how many there
// are; GET …/directors/{director}/plan has them all.
import type { PlanPreview } from '../api/schemas';

/** ops (and their command lines) per director in a paged preview */
export const PLAN_PAGE = 200;

export function firstPlanPage(plan: PlanPreview, limit = PLAN_PAGE): PlanPreview {
  return {
    ...plan,
    directors: plan.directors.map((d) => (d.ops.length <= limit ? d : { ...d, ops: d.ops.slice(0, limit), commands: d.commands.slice(0, limit), opsTotal: d.ops.length })),
  };
}
