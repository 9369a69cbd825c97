import { describe, expect, it } from 'vitest';
import { diffLines, withContext } from './lines';

describe('diffLines', () => {
  it('marks added, removed and kept lines like diff -u', () => {
    const a = '-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1\n';
    const b = '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.3:80 -g -w 1\n';
    expect(diffLines(a, b).map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-'}${l.text}`)).toEqual([
      '--A -t 10.0.0.1:80 -s wlc',
      '+-A -t 10.0.0.1:80 -s rr',
      ' -a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1',
      '--a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1',
      '+-a -t 10.0.0.1:80 -r 10.0.1.3:80 -g -w 1',
    ]);
  });
  it('handles empty sides and numbers lines from 1', () => {
    expect(diffLines('', 'x\ny\n')).toEqual([
      { kind: 'add', text: 'x', b: 1 },
      { kind: 'add', text: 'y', b: 2 },
    ]);
    expect(diffLines('x\n', '')).toEqual([{ kind: 'del', text: 'x', a: 1 }]);
    expect(diffLines('same\n', 'same\n')).toEqual([{ kind: 'same', text: 'same', a: 1, b: 1 }]);
  });
  it('collapses unchanged runs outside the context', () => {
    const a = Array.from({ length: 10 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l5', 'L5');
    const c = withContext(diffLines(a, b), 1);
    expect(c.map((x) => (x.kind === 'skip' ? `…${x.count}` : x.text))).toEqual(['…4', 'l4', 'l5', 'L5', 'l6', '…3']);
  });
});
