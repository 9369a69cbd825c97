// Rules-text diffs for display: the edit script comes from lib/api/text-diff (the same one the
// API uses for its unified diff); this adds line numbers and collapses long unchanged runs.
import { diffLines as editScript } from '@/lib/api/text-diff';

export type DiffLine = { kind: 'same' | 'add' | 'del'; text: string; a?: number; b?: number };

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function diffLines(before: string, after: string): DiffLine[] {
  let a = 0;
  let b = 0;
  return editScript(splitLines(before), splitLines(after)).map((l): DiffLine => {
    if (l.op === ' ') return { kind: 'same', text: l.text, a: ++a, b: ++b };
    if (l.op === '-') return { kind: 'del', text: l.text, a: ++a };
    return { kind: 'add', text: l.text, b: ++b };
  });
}

/** Keep `context` unchanged lines around each change; runs beyond that collapse to a count. */
export function withContext(lines: DiffLine[], context = 2): (DiffLine | { kind: 'skip'; count: number })[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.kind !== 'same') for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffLine | { kind: 'skip'; count: number })[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (skipped) out.push({ kind: 'skip', count: skipped });
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped) out.push({ kind: 'skip', count: skipped });
  return out;
}
