// An import's answer is a summary of its preview, never the preview itself: a large config planned
// for many directors answered tens of MB (issue 11 #7). Each director's ops are a first page
// (opsTotal says how many; GET …/directors/{director}/plan has them all), each list of the diff its
// first entries (counts has the totals; each director's impact keeps its totals), and neither the config nor its rules text is sent (GET
// …/revisions/{n} and …/export have them).
import type { ImportPreview, PlanPreview } from '../api/schemas';

/** ops (and their command lines) per director in a paged preview */
export const PLAN_PAGE = 200;
/** entries of each diff list (services added / removed / changed) in an import's answer */
export const DIFF_PAGE = 100;

export function importPreview(plan: PlanPreview, limit = PLAN_PAGE, diffLimit = DIFF_PAGE): ImportPreview {
  const { config, rules: _rules, diff, ...rest } = plan;
  const { added, removed, changed } = diff.services;
  const servers = (list: { value: Record<string, unknown> }[]) => list.reduce((n, s) => n + ((s.value.realServers as unknown[] | undefined)?.length ?? 0), 0);
  const sum = (pick: (c: (typeof changed)[number]) => number) => changed.reduce((n, c) => n + pick(c), 0);
  return {
    ...rest,
    counts: {
      services: { total: config.services.length, added: added.length, changed: changed.length, removed: removed.length },
      realServers: {
        total: config.services.reduce((n, s) => n + s.realServers.length, 0),
        added: servers(added) + sum((c) => c.realServers.added.length),
        changed: sum((c) => c.realServers.changed.length),
        removed: servers(removed) + sum((c) => c.realServers.removed.length),
      },
    },
    diff: { globals: diff.globals, services: { added: added.slice(0, diffLimit), removed: removed.slice(0, diffLimit), changed: changed.slice(0, diffLimit) } },
    diffTruncated: Math.max(added.length, removed.length, changed.length) > diffLimit,
    directors: plan.directors.map((d) => ({
      ...d,
      ops: d.ops.slice(0, limit),
      commands: d.commands.slice(0, limit),
      impact: { ...d.impact, ops: d.impact.ops.slice(0, limit) },
      opsTotal: d.ops.length,
    })),
  };
}
