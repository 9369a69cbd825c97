// One word per director, coloured the way an on-call admin scans a wall of them.
import type { DirectorState as State, DirectorStatus } from '@/lib/api/schemas';

const LOOK: Record<State, { cls: string; label: string; help: string }> = {
  applied: { cls: 'ok', label: 'applied', help: 'running the desired revision' },
  pending: { cls: 'info', label: 'pending', help: 'the desired revision was pushed; waiting for the agent to apply it' },
  failed: { cls: 'bad', label: 'failed', help: 'the agent could not apply the desired revision (see the error)' },
  drift: { cls: 'warn', label: 'drift', help: 'the live table differs from the applied revision (hand-made ipvsadm changes?)' },
  offline: { cls: 'bad', label: 'offline', help: 'the agent is not connected' },
  'never-connected': { cls: '', label: 'never connected', help: 'no agent has connected with this director’s token yet' },
  revoked: { cls: '', label: 'revoked', help: 'the token was revoked' },
};

export function DirectorStateBadge({ d }: { d: Pick<DirectorStatus, 'state' | 'name' | 'appliedRevision' | 'desiredRevision'> }) {
  const l = LOOK[d.state];
  return (
    <span className={`badge ${l.cls}`} title={`${d.name}: ${l.help}`} data-testid={`director-state-${d.name}`} data-state={d.state}>
      <span className={`dot ${l.cls === 'info' ? '' : l.cls}`} />
      {l.label}
    </span>
  );
}

export function directorStateHelp(s: State): string {
  return LOOK[s].help;
}
