// Impact of a plan on live connections: which ops keep every established connection flowing and
// which cut some (docs: ipvs-reference §5-7). The kernel keeps a connection bound to its real server
// through weight, scheduler, persistence, threshold, forwarding and timeout changes (a connection
// keeps the flags it was bound with); only removing its real server or its service leaves it with no
// destination, and its packets are then dropped (expire_nodest_conn=0) or the entry expired. A
// changed service key is planned as a delete and an add, so it cuts like a deletion, and is named
// as a key change when the same plan adds a service with the same real servers.
// Counting the connections each cut op ends is the server's business (it has the stats); here, only
// which series of the director's stats a cut op ends.
import { z } from 'zod';
import { realServerKeyId, serverKeyId, serviceKeyId } from './keys';
import type { Op } from './op';

export const IMPACT_REASONS = [
  /** adds a service or a real server */
  'adds',
  /** an -E/-e edit: existing connections keep their real server and the flags they were bound with */
  'edit',
  /** weight 0: no new connections, existing ones keep flowing */
  'quiesce',
  /** timeouts and sync daemons: apply to new timers and sync messages, not to the table */
  'globals',
  /** -d: connections to the real server lose their destination */
  'removes-server',
  /** -D: connections to every real server of the service lose their destination */
  'removes-service',
  /** -D of a service whose real servers come back under another key in the same plan */
  'key-change',
] as const;
export type ImpactReason = (typeof IMPACT_REASONS)[number];

/** What one op does to established connections. */
export const OpImpactSchema = z.object({
  safe: z.boolean(),
  reason: z.enum(IMPACT_REASONS),
  /** cut ops: how many live connections it ends on this director (its newest stats); null: unknown (no fresh stats) */
  connections: z.number().int().nullable().optional(),
});
export type OpImpact = z.output<typeof OpImpactSchema>;

/** A cut op's stats series: the service's (all its connections) or the real server's. */
export function cutSeries(op: Op): string | null {
  if (op.op === 'delete-service') return serviceKeyId(op.service);
  if (op.op === 'delete-server') return serverKeyId(op.service, op.server);
  return null;
}

/**
 * Classify every op of a plan, in order. `actualServers` (optional) gives the real servers a deleted
 * service has on the director (serviceKeyId -> realServerKeyIds), so that a delete whose servers are
 * added again under a new key in the same plan is reported as a key change.
 */
export function classifyOps(ops: readonly Op[], actualServers?: ReadonlyMap<string, readonly string[]>): OpImpact[] {
  const addedServers = new Map<string, Set<string>>();
  for (const op of ops) {
    if (op.op !== 'add-server') continue;
    const k = serviceKeyId(op.service);
    let set = addedServers.get(k);
    if (!set) addedServers.set(k, (set = new Set()));
    set.add(realServerKeyId(op.server));
  }
  const sameSet = (a: readonly string[], b: Set<string>) => a.length > 0 && a.length === b.size && a.every((x) => b.has(x));
  const reappears = (svc: string) => {
    const servers = actualServers?.get(svc);
    if (!servers) return false;
    for (const [k, set] of addedServers) if (k !== svc && sameSet(servers, set)) return true;
    return false;
  };
  return ops.map((op): OpImpact => {
    switch (op.op) {
      case 'add-service':
      case 'add-server':
        return { safe: true, reason: 'adds' };
      case 'edit-service':
        return { safe: true, reason: 'edit' };
      case 'edit-server':
        return { safe: true, reason: op.server.weight === 0 ? 'quiesce' : 'edit' };
      case 'set-timeouts':
      case 'start-daemon':
      case 'stop-daemon':
      case 'set-sysctl': // changes how new and idle connections are treated, ends none by itself
        return { safe: true, reason: 'globals' };
      case 'delete-server':
        return { safe: false, reason: 'removes-server' };
      case 'delete-service':
        return { safe: false, reason: reappears(serviceKeyId(op.service)) ? 'key-change' : 'removes-service' };
    }
  });
}

/**
 * Count what each cut op ends from a director's newest connection counts (series key -> active +
 * inactive connections; null: no fresh stats, counts unknown). A series missing from fresh stats has
 * no connections. Returns the impacts with counts and their total (null when any is unknown).
 */
export function countCuts(ops: readonly Op[], impacts: readonly OpImpact[], live: ReadonlyMap<string, number> | null): { ops: OpImpact[]; cuts: number | null } {
  let total: number | null = 0;
  const out = impacts.map((im, i) => {
    if (im.safe) return im;
    const series = cutSeries(ops[i]!);
    const n = live === null || series === null ? null : (live.get(series) ?? 0);
    total = n === null || total === null ? null : total + n;
    return { ...im, connections: n };
  });
  return { ops: out, cuts: total };
}

export interface PlannedCut {
  director: string;
  command: string;
  /** live connections it ends; null: unknown */
  connections: number | null;
}

/** Every op of a set of director plans that cuts connections, and the live connections they end (known counts) in all. */
export function plannedCuts(directors: readonly { director: string; commands: readonly string[]; impact: { ops: readonly OpImpact[] } }[]): {
  rows: PlannedCut[];
  known: number;
  unknown: boolean;
} {
  const rows: PlannedCut[] = [];
  for (const d of directors) d.impact.ops.forEach((im, i) => !im.safe && rows.push({ director: d.director, command: d.commands[i] ?? `op ${i + 1}`, connections: im.connections ?? null }));
  return { rows, known: rows.reduce((n, r) => n + (r.connections ?? 0), 0), unknown: rows.some((r) => r.connections === null) };
}
