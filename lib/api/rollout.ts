// Staged rollouts: the one schema of a rollout policy, the shape of a rollout as the API answers it,
// and the pure state machine (policy → steps, a step's gates → pass / hold / pending). No I/O: the
// server (lib/server/rollouts.ts) feeds it what the directors reported and what the stats store
// measured, and stores what it decides.
import { z } from 'zod';

const Soak = z.number().int().min(0).max(86_400, 'soakSeconds must be at most 86400 (a day)');
/** the new-connection rate of a step's directors may not fall below this fraction of its value before the step */
const MinRate = z.number().min(0).max(1, 'minRateFraction is a fraction between 0 and 1');

export const RolloutPolicySchema = z.discriminatedUnion(
  'mode',
  [
    z.object({ mode: z.literal('all') }),
    z.object({ mode: z.literal('one-at-a-time'), soakSeconds: Soak.default(0), minRateFraction: MinRate.default(0.5) }),
    z.object({
      mode: z.literal('canary'),
      /** directors in the first step */
      canary: z.number().int().min(1).max(1000).default(1),
      /** how long the canary must run with every gate passing before the next step */
      soakSeconds: Soak.default(60),
      /** directors per later step */
      batch: z.number().int().min(1).max(1000).default(1),
      minRateFraction: MinRate.default(0.5),
    }),
  ],
  { error: 'mode must be all, one-at-a-time or canary' },
);
export type RolloutPolicy = z.output<typeof RolloutPolicySchema>;
export type RolloutPolicyInput = z.input<typeof RolloutPolicySchema>;
export const ALL_AT_ONCE: RolloutPolicy = { mode: 'all' };

export const ROLLOUT_STATES = ['running', 'paused', 'held', 'done', 'aborted', 'superseded'] as const;
export const RolloutStateSchema = z.enum(ROLLOUT_STATES);
export type RolloutState = z.infer<typeof RolloutStateSchema>;

export const GATE_NAMES = ['ack', 'nack', 'health', 'soak', 'rate'] as const;
export const GateSchema = z.object({ name: z.enum(GATE_NAMES), status: z.enum(['pending', 'pass', 'hold']), reason: z.string() });
export type Gate = z.infer<typeof GateSchema>;

export const RolloutStepSchema = z.object({
  directors: z.array(z.object({ id: z.string(), name: z.string() })),
  /** when its directors were told to run the revision (null: not yet) */
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** measured just before the step started: what the gates compare with */
  baseline: z.object({ cps: z.number().nullable(), unhealthy: z.array(z.string()) }).nullable(),
  gates: z.array(GateSchema),
});
export type RolloutStep = z.infer<typeof RolloutStepSchema>;

export const RolloutSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  revision: z.number().int(),
  fromRevision: z.number().int(),
  kind: z.enum(['rollout', 'rollback']),
  policy: RolloutPolicySchema,
  state: RolloutStateSchema,
  step: z.number().int(),
  steps: z.array(RolloutStepSchema),
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Rollout = z.output<typeof RolloutSchema>;
export const RolloutListSchema = z.object({ rollouts: z.array(RolloutSchema) });

export const RolloutActionSchema = z.object({
  action: z.enum(['pause', 'resume', 'abort', 'rollback'], { error: 'action must be pause, resume, abort or rollback' }),
  /** the rollback revision's message */
  message: z.string().trim().min(1).max(500).optional(),
});
export type RolloutAction = z.output<typeof RolloutActionSchema>;

/** A rollout whose directors may still move: one at a time per cluster. */
export const isActive = (s: RolloutState) => s === 'running' || s === 'paused' || s === 'held';

/** The directors of each step, in order (directors as given: the caller sorts them). */
export function planSteps<D>(policy: RolloutPolicy, directors: readonly D[]): D[][] {
  if (!directors.length) return [];
  if (policy.mode === 'all') return [[...directors]];
  if (policy.mode === 'one-at-a-time') return directors.map((d) => [d]);
  const steps = [directors.slice(0, policy.canary)];
  for (let i = policy.canary; i < directors.length; i += policy.batch) steps.push(directors.slice(i, i + policy.batch));
  return steps;
}

export const soakOf = (p: RolloutPolicy) => (p.mode === 'all' ? 0 : p.soakSeconds);
export const minRateOf = (p: RolloutPolicy) => (p.mode === 'all' ? 0 : p.minRateFraction);

/** Below this many new connections per second before a step, there is no rate to compare. */
export const MIN_BASELINE_CPS = 1;
/** The rate after a step is judged on at least this many seconds of numbers after its ACK. */
export const RATE_WINDOW_SECONDS = 5;
/** With no numbers at all this long after the ACK, the rate gate holds (the directors went quiet). */
export const RATE_SILENCE_SECONDS = 20;

/** What one director of a step reported, as far as the gates care. */
export interface GateDirector {
  name: string;
  appliedRevision: number | null;
  appliedAt: string | null;
  lastError: { revision: number; message: string } | null;
  /** "service#server" of its real servers that are unhealthy now, with the probe's reason */
  unhealthy: { key: string; label: string; reason: string }[];
}

export interface GateInput {
  revision: number;
  policy: RolloutPolicy;
  step: Pick<RolloutStep, 'baseline'>;
  directors: GateDirector[];
  /** mean new connections per second of the step's directors since their ACK (null: no numbers) */
  cpsAfter: number | null;
  now: number;
}

/** When the last of the step's directors ACKed the revision (null: not all have). */
export function ackedAt(revision: number, directors: GateDirector[]): number | null {
  let last = 0;
  for (const d of directors) {
    if (d.appliedRevision !== revision || !d.appliedAt) return null;
    last = Math.max(last, Date.parse(d.appliedAt));
  }
  return directors.length ? last : null;
}

const fmt = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));

/** Every gate of a step, each with its status and the reason a human reads. */
export function evaluateGates(g: GateInput): Gate[] {
  const { revision, directors } = g;
  const acked = ackedAt(revision, directors);
  const waiting = directors.filter((d) => d.appliedRevision !== revision).map((d) => d.name);
  const nacks = directors.filter((d) => d.lastError?.revision === revision);
  const baselineUnhealthy = new Set(g.step.baseline?.unhealthy ?? []);
  const newlyUnhealthy = directors.flatMap((d) => d.unhealthy.filter((u) => !baselineUnhealthy.has(`${d.name}/${u.key}`)).map((u) => `${u.label} on ${d.name} (${u.reason})`));
  const soak = soakOf(g.policy);
  const since = acked === null ? null : Math.max(0, (g.now - acked) / 1000);
  const gates: Gate[] = [
    acked !== null
      ? { name: 'ack', status: 'pass', reason: `${directors.map((d) => d.name).join(', ')} ACKed r${revision}` }
      : { name: 'ack', status: 'pending', reason: `waiting for the ACK of ${waiting.join(', ') || 'its directors'}` },
    nacks.length
      ? { name: 'nack', status: 'hold', reason: nacks.map((d) => `${d.name} NACKed r${revision}: ${d.lastError!.message}`).join('; ') }
      : { name: 'nack', status: 'pass', reason: 'no NACK' },
    newlyUnhealthy.length
      ? { name: 'health', status: 'hold', reason: `newly unhealthy: ${newlyUnhealthy.join(', ')}` }
      : {
          name: 'health',
          status: 'pass',
          reason: baselineUnhealthy.size ? `no real server newly unhealthy (${baselineUnhealthy.size} already were before the step)` : 'no real server newly unhealthy',
        },
    since === null
      ? { name: 'soak', status: 'pending', reason: soak ? `soaks ${soak} s after the ACK` : 'no soak time; waits for the ACK' }
      : since >= soak
        ? { name: 'soak', status: 'pass', reason: soak ? `ran ${soak} s after the ACK` : 'no soak time' }
        : { name: 'soak', status: 'pending', reason: `soaking: ${Math.floor(since)} s of ${soak} s` },
    rateGate(g, since),
  ];
  return gates;
}

function rateGate(g: GateInput, since: number | null): Gate {
  const before = g.step.baseline?.cps ?? null;
  const fraction = minRateOf(g.policy);
  if (before === null || before < MIN_BASELINE_CPS) return { name: 'rate', status: 'pass', reason: `no traffic before the step (${fmt(before ?? 0)} conn/s): nothing to compare` };
  if (since === null) return { name: 'rate', status: 'pending', reason: `${fmt(before)} conn/s before the step; compared after the ACK` };
  if (g.cpsAfter === null) {
    return since >= RATE_SILENCE_SECONDS
      ? { name: 'rate', status: 'hold', reason: `no new-connection numbers from the step's directors for ${Math.floor(since)} s since the ACK` }
      : { name: 'rate', status: 'pending', reason: 'waiting for numbers after the ACK' };
  }
  if (since < RATE_WINDOW_SECONDS) return { name: 'rate', status: 'pending', reason: `measuring: ${Math.floor(since)} s of ${RATE_WINDOW_SECONDS} s` };
  const floor = before * fraction;
  return g.cpsAfter < floor
    ? { name: 'rate', status: 'hold', reason: `new connections fell to ${fmt(g.cpsAfter)}/s, below ${Math.round(fraction * 100)}% of ${fmt(before)}/s before the step` }
    : { name: 'rate', status: 'pass', reason: `${fmt(g.cpsAfter)} conn/s vs ${fmt(before)}/s before the step (at least ${Math.round(fraction * 100)}%)` };
}

/** A step's verdict: any hold holds; otherwise it passes when every gate passes. */
export function stepVerdict(gates: Gate[]): 'pass' | 'hold' | 'pending' {
  if (gates.some((x) => x.status === 'hold')) return 'hold';
  return gates.every((x) => x.status === 'pass') ? 'pass' : 'pending';
}

/** The first gate that holds, for a one-line summary. */
export const heldBy = (gates: Gate[]) => gates.find((x) => x.status === 'hold') ?? null;
