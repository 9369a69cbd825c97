// A unified diff of two texts (the rules text of two revisions). Myers' O((N+M)·D) algorithm
// after trimming the common head and tail, so a one-line change in 10,000 rules costs little.
// Pure; used by the API and usable in the browser.

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** The edit script turning a into b, line by line. */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const A = a.slice(head, a.length - tail);
  const B = b.slice(head, b.length - tail);
  const mid = myers(A, B);
  return [...a.slice(0, head).map((text) => ({ op: ' ' as const, text })), ...mid, ...a.slice(a.length - tail).map((text) => ({ op: ' ' as const, text }))];
}

function myers(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: '+', text }));
  if (m === 0) return a.map((text) => ({ op: '-', text }));
  const max = n + m;
  const off = max;
  let v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const nv = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      nv[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = nv;
  }
  trace.push(v);
  // walk back through the saved frontiers
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[off + k - 1]! < vd[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: ' ', text: a[--x]! });
      y--;
    }
    if (x === prevX) out.push({ op: '+', text: b[--y]! });
    else out.push({ op: '-', text: a[--x]! });
  }
  while (x > 0 && y > 0) {
    out.push({ op: ' ', text: a[--x]! });
    y--;
  }
  while (y > 0) out.push({ op: '+', text: b[--y]! });
  while (x > 0) out.push({ op: '-', text: a[--x]! });
  return out.reverse();
}

/** `diff -u` style text with `context` lines around each change; "" when equal. */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const lines = diffLines(a, b);
  if (lines.every((l) => l.op === ' ')) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // positions of changes, grouped into hunks whose context overlaps
  let i = 0;
  let ai = 0;
  let bi = 0;
  const pos = lines.map((l) => {
    const p = { a: ai, b: bi };
    if (l.op !== '+') ai++;
    if (l.op !== '-') bi++;
    return p;
  });
  while (i < lines.length) {
    while (i < lines.length && lines[i]!.op === ' ') i++;
    if (i >= lines.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    let lastChange = i;
    while (end < lines.length && end - lastChange <= 2 * context) {
      if (lines[end]!.op !== ' ') lastChange = end;
      end++;
    }
    end = Math.min(lines.length, lastChange + context + 1);
    const hunk = lines.slice(start, end);
    const aLen = hunk.filter((l) => l.op !== '+').length;
    const bLen = hunk.filter((l) => l.op !== '-').length;
    const p = pos[start]!;
    out.push(`@@ -${aLen ? p.a + 1 : p.a},${aLen} +${bLen ? p.b + 1 : p.b},${bLen} @@`);
    for (const l of hunk) out.push(`${l.op}${l.text}`);
    i = end;
  }
  return `${out.join('\n')}\n`;
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
