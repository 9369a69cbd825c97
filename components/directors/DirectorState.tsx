// One word per director, coloured the way an on-call admin scans a wall of them.
'use client';
import type { DirectorState as State, DirectorStatus } from '@/lib/api/schemas';
import { useNow } from '../ui/hooks';
import { ago } from '../format';
import { useDirectorStatus } from '../live/director-status';

const LOOK: Record<State, { cls: string; label: string; help: string }> = {
  applied: { cls: 'ok', label: 'applied', help: 'running the desired revision' },
  pending: { cls: 'info', label: 'pending', help: 'the desired revision was pushed; waiting for the agent to apply it' },
  failed: { cls: 'bad', label: 'failed', help: 'the agent could not apply the desired revision (see the error)' },
  drift: { cls: 'warn', label: 'drift', help: 'the live table differs from the applied revision (hand-made ipvsadm changes?)' },
  offline: { cls: 'bad', label: 'offline', help: 'the agent is not connected' },
  'never-connected': { cls: '', label: 'never connected', help: 'no agent has connected with this director’s token yet' },
  revoked: { cls: '', label: 'revoked', help: 'the token was revoked' },
};

/** The director's state as the one status store has it (`d`, from the caller's query, until it knows). */
export function DirectorStateBadge({ d }: { d: DirectorStatus }) {
  const s = useDirectorStatus(d.cluster, d.name, d);
  const l = LOOK[s.state];
  return (
    <span className={`badge ${l.cls}`} title={`${s.name}: ${l.help}`} data-testid={`director-state-${d.name}`} data-state={s.state}>
      <span className={`dot ${l.cls === 'info' ? '' : l.cls}`} />
      {l.label}
    </span>
  );
}

export function directorStateHelp(s: State): string {
  return LOOK[s].help;
}

const STALE_AFTER_MS = 10_000;

/**
 * "numbers 43 s old" when a connected-or-not director's numbers stopped arriving (the sums on every
 * table leave it out); nothing while they are fresh. `statsAt` null: it never sent any.
 */
export function DirectorStaleBadge({ d }: { d: DirectorStatus }) {
  const s = useDirectorStatus(d.cluster, d.name, d);
  const now = useNow(1000);
  if (s.revoked || s.state === 'never-connected') return null;
  const at = s.statsAt ? new Date(s.statsAt).getTime() : null;
  const stale = s.statsStale || (at !== null && now !== null && now - at > STALE_AFTER_MS);
  if (!stale) return null;
  return (
    <span
      className="badge warn"
      data-testid={`director-stale-${s.name}`}
      title={`${s.name} has not reported numbers ${at ? `since ${new Date(at).toLocaleTimeString()}` : 'since the console started'}; its traffic is left out of the sums`}
    >
      numbers {at && now !== null ? ago(at, now).replace(' ago', ' old') : 'missing'}
    </span>
  );
}
