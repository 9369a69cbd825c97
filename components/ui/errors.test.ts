import { describe, expect, it } from 'vitest';
import { errorIssues, errorMessage, issuesByPath } from './errors';

describe('errorIssues', () => {
  it('reads API bodies and keeps the line of text imports, said once', () => {
    const err = { status: 422, body: { error: 'the rules text has 1 bad line', issues: [{ path: 'text', line: 19, message: 'line 19: weight: illegal weight specified' }] } };
    expect(errorIssues(err)).toEqual([{ path: 'text', line: 19, message: 'weight: illegal weight specified' }]);
    expect(errorMessage(err)).toBe('the rules text has 1 bad line');
  });
  it('turns zod array paths into dotted ones', () => {
    expect(errorIssues({ issues: [{ path: ['realServers', 1, 'weight'], message: 'weight must be a whole number' }] })).toEqual([
      { path: 'realServers.1.weight', message: 'weight must be a whole number' },
    ]);
  });
  it('names an unreachable control plane', () => {
    expect(errorMessage(new TypeError('Failed to fetch'))).toBe('the control plane is unreachable');
  });
  it('groups by path under a prefix', () => {
    const m = issuesByPath(
      [
        { path: 'changes.0.service.port', message: 'a' },
        { path: 'changes.0.service', message: 'b' },
        { path: 'message', message: 'c' },
      ],
      'changes.0.service',
    );
    expect([...m]).toEqual([
      ['port', ['a']],
      ['', ['b']],
    ]);
  });
});
