import { describe, expect, it } from 'vitest';
import type { DirectorStatus } from '@/lib/api/schemas';
import { rolloutPhase } from './rollout-phase';

const d = (over: Partial<DirectorStatus>): DirectorStatus => ({ name: 'a', state: 'pending', connected: true, desiredRevision: 5, appliedRevision: 4, lastError: null, ...over }) as DirectorStatus;
const nack = (revision: number) => ({ revision, failedOp: null, command: 'ipvsadm -a …', message: 'Destination already exists', exitCode: 1, opsApplied: 0, at: '' });

describe('rolloutPhase', () => {
  it('pending until the ACK, then applied', () => {
    expect(rolloutPhase(d({}), 5)).toBe('pending');
    expect(rolloutPhase(d({ appliedRevision: 5, state: 'applied' }), 5)).toBe('applied');
  });
  it('failed on a NACK for this revision or a later one, not for an older one', () => {
    expect(rolloutPhase(d({ state: 'failed', lastError: nack(5) }), 5)).toBe('failed');
    expect(rolloutPhase(d({ state: 'pending', lastError: nack(3) }), 5)).toBe('pending');
  });
  it('offline when the agent is away, superseded once a newer revision applied', () => {
    expect(rolloutPhase(d({ connected: false, state: 'offline' }), 5)).toBe('offline');
    expect(rolloutPhase(d({ desiredRevision: 7, appliedRevision: 7, state: 'applied' }), 5)).toBe('superseded');
  });
  it('a later failure does not undo this revision having applied', () => {
    expect(rolloutPhase(d({ appliedRevision: 5, desiredRevision: 6, state: 'failed', lastError: nack(6) }), 5)).toBe('applied');
  });
  it('a drift after applying still counts as applied for the rollout', () => {
    expect(rolloutPhase(d({ appliedRevision: 5, state: 'drift' }), 5)).toBe('applied');
  });
});
