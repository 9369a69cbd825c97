// Where a director stands with a revision after apply. Pure, for the rollout view and its tests.
import type { DirectorStatus } from '@/lib/api/schemas';

export type RolloutPhase = 'pending' | 'applied' | 'failed' | 'offline' | 'superseded';

/** Where one director stands with `revision` (pure, for tests and for the summary line). */
export function rolloutPhase(d: DirectorStatus, revision: number): RolloutPhase {
  if ((d.desiredRevision ?? 0) > revision && (d.appliedRevision ?? 0) > revision) return 'superseded';
  // once this revision (or a later one) was ACKed it is applied, whatever happened next
  if ((d.appliedRevision ?? 0) >= revision) return 'applied';
  if (d.lastError && d.lastError.revision >= revision) return 'failed';
  if (!d.connected) return 'offline';
  return 'pending';
}
