'use client';
// How this change reaches the directors: all at once, one director at a time, or a canary (first N,
// a soak time, then batches). It starts from the cluster's policy; the choice travels with the
// commit as `rollout` (RolloutPolicySchema, lib/api/rollout.ts, checks it on both sides).
import { RolloutPolicySchema, type RolloutPolicy } from '@/lib/api/rollout';
import { useSetRolloutPolicy } from '../data/mutations';
import { useRolloutPolicy } from '../data/queries';
import { errorMessage } from '../ui/errors';
import { useToast } from '../ui/toast';
import { Field } from '../ui/field';

const MODES: { mode: RolloutPolicy['mode']; label: string }[] = [
  { mode: 'all', label: 'All directors at once' },
  { mode: 'one-at-a-time', label: 'One director at a time' },
  { mode: 'canary', label: 'Canary, then batches' },
];

type NumberField = 'canary' | 'soakSeconds' | 'batch';

export function RolloutPolicyPicker({ cluster, value, onChange }: { cluster: string; value: RolloutPolicy | null; onChange: (p: RolloutPolicy) => void }) {
  const clusterPolicy = useRolloutPolicy(cluster);
  const save = useSetRolloutPolicy(cluster);
  const toast = useToast();
  const policy = value ?? clusterPolicy.data ?? RolloutPolicySchema.parse({ mode: 'all' });
  const set = (patch: Record<string, unknown>) => {
    const r = RolloutPolicySchema.safeParse({ ...policy, ...patch });
    if (r.success) onChange(r.data);
  };
  const num = (field: NumberField, label: string, help: string) =>
    field in policy ? (
      <Field label={label} help={help}>
        <input
          type="number"
          min={field === 'soakSeconds' ? 0 : 1}
          value={(policy as Record<NumberField, number>)[field]}
          onChange={(e) => set({ [field]: Number(e.target.value) })}
          data-testid={`rollout-${field}`}
        />
      </Field>
    ) : null;
  return (
    <div className="stack" style={{ gap: 8, marginTop: 12 }} data-testid="rollout-policy">
      <Field label="Rollout" help={clusterPolicy.data && !value ? "The cluster's policy" : 'For this change only'}>
        <select value={policy.mode} onChange={(e) => onChange(RolloutPolicySchema.parse({ mode: e.target.value }))} data-testid="rollout-mode">
          {MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.label}
            </option>
          ))}
        </select>
      </Field>
      {num('canary', 'Canary directors', 'Directors in the first step')}
      {num('soakSeconds', 'Soak (s)', 'How long a step runs, its gates passing, before the next')}
      {num('batch', 'Then batches of', 'Directors per later step')}
      {policy.mode !== 'all' ? (
        <Field label="Minimum new-connection rate (%)" help="A step holds when its directors’ new connections fall below this share of their rate before it">
          <input
            type="number"
            min={0}
            max={100}
            value={Math.round(policy.minRateFraction * 100)}
            onChange={(e) => set({ minRateFraction: Number(e.target.value) / 100 })}
            data-testid="rollout-minRate"
          />
        </Field>
      ) : null}
      {value && JSON.stringify(value) !== JSON.stringify(clusterPolicy.data) ? (
        <button
          type="button"
          className="btn small ghost"
          disabled={save.isPending}
          data-testid="rollout-save-default"
          onClick={() =>
            save.mutateAsync(value).then(
              () => toast.show('ok', `The cluster's rollout policy is now ${MODES.find((m) => m.mode === value.mode)!.label.toLowerCase()}`),
              (e: unknown) => toast.show('bad', 'Could not save the policy', errorMessage(e)),
            )
          }
        >
          Make it the cluster’s default
        </button>
      ) : null}
    </div>
  );
}
