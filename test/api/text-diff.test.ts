import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from '@/lib/api/text-diff';

const lcsLength = (a: string[], b: string[]) => {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
};

describe('diffLines', () => {
  it('rebuilds both sides and is minimal (keeps a longest common subsequence)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', '-A -t 1:80'), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const d = diffLines(a, b);
        expect(d.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a);
        expect(d.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b);
        expect(d.filter((l) => l.op === ' ').length).toBe(lcsLength(a, b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and names both sides otherwise', () => {
    expect(unifiedDiff('x\ny\n', 'x\ny\n', { from: 'r1', to: 'r2' })).toBe('');
    const before = ['-A -t 10.0.0.1:80 -s wlc', '-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1', '-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1'].join('\n') + '\n';
    const after = before.replace('10.0.1.2:80 -g -w 1', '10.0.1.2:80 -g -w 0');
    expect(unifiedDiff(before, after, { from: 'revision 1', to: 'revision 2' })).toBe(
      [
        '--- revision 1',
        '+++ revision 2',
        '@@ -1,3 +1,3 @@',
        ' -A -t 10.0.0.1:80 -s wlc',
        ' -a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1',
        '-' + '-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1',
        '+' + '-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0',
        '',
      ].join('\n'),
    );
  });
  it('splits distant changes into separate hunks with correct line numbers', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const b = [...a];
    b[1] = 'changed 2';
    b[17] = 'changed 18';
    const u = unifiedDiff(a.join('\n'), b.join('\n'), { from: 'a', to: 'b' });
    expect(u.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@']);
  });
});
