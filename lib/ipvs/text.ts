// Text every format downstream can hold: well-formed Unicode (no lone UTF-16 surrogates, which
// UTF-8 cannot encode) and no NUL (which PostgreSQL text, C strings and config files cannot
// hold). The API layer checks every string and key of every body, query and path with
// illFormedTextPath, once, instead of each schema repeating it field by field.

/** Nesting deeper than this is refused outright: no real request comes near it. */
export const MAX_DEPTH = 64;

// with the u flag a surrogate pair is one code point, so this matches only a lone half
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why `s` cannot be stored as text, or null when it can. */
export function textProblem(s: string): string | null {
  if (LONE_SURROGATE.test(s)) return 'is not well-formed Unicode (lone UTF-16 surrogate)';
  if (s.includes('\0')) return 'contains a NUL character';
  return null;
}

/**
 * The first string or key in `value` that cannot be stored, with its path; null when all can.
 * Iterative (depth cannot overflow the stack), and allocation-light: agents post batches of
 * thousands of numbers every second, so numbers are skipped where they are met and a path is
 * built only for the value that fails.
 */
export function illFormedTextPath(value: unknown): { path: string[]; message: string } | null {
  type Node = { v: object; depth: number; parent: Node | null; key: string };
  const pathOf = (n: Node | null, last?: string): string[] => {
    const out: string[] = last === undefined ? [] : [last];
    for (let x = n; x && x.parent; x = x.parent) out.push(x.key);
    return out.reverse();
  };
  if (typeof value === 'string') {
    const p = textProblem(value);
    return p ? { path: [], message: p } : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const stack: Node[] = [{ v: value, depth: 0, parent: null, key: '' }];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.depth >= MAX_DEPTH) return { path: pathOf(node), message: `is nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(node.v)) {
      // by index: an index is never ill-formed text, and a stats batch is millions of numbers in arrays
      const arr = node.v as unknown[];
      for (let i = 0; i < arr.length; i++) {
        const child = arr[i];
        if (typeof child === 'string') {
          const p = textProblem(child);
          if (p) return { path: pathOf(node, String(i)), message: p };
        } else if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: node.depth + 1, parent: node, key: String(i) });
      }
      continue;
    }
    for (const [k, child] of Object.entries(node.v)) {
      const kp = textProblem(k);
      if (kp) return { path: pathOf(node), message: `has a key that ${kp}` };
      if (typeof child === 'string') {
        const p = textProblem(child);
        if (p) return { path: pathOf(node, k), message: p };
      } else if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: node.depth + 1, parent: node, key: k });
    }
  }
  return null;
}
