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

/** The first string or key in `value` that cannot be stored, with its path; null when all can. Iterative: depth cannot overflow the stack. */
export function illFormedTextPath(value: unknown): { path: string[]; message: string } | null {
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v);
      if (p) return { path, message: p };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= MAX_DEPTH) return { path, message: `is nested deeper than ${MAX_DEPTH} levels` };
    for (const [k, child] of Object.entries(v)) {
      const kp = textProblem(k);
      if (kp) return { path, message: `has a key that ${kp}` };
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return null;
}
