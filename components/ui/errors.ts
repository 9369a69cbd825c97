// Reading errors of any origin (API JSON `{ error, issues }`, zod, fetch failures) the same way,
// so every view can show the message and the field paths.
export type Issue = { path: string; message: string; line?: number };

type Pathish = string | number | symbol;

/** "realServers.0.weight" — the same spelling the API uses for issue paths. */
export function pathText(path: readonly Pathish[] | string | undefined): string {
  if (path === undefined) return '';
  if (typeof path === 'string') return path;
  return path.map((p) => String(p)).join('.');
}

export function errorMessage(err: unknown): string {
  if (err === null || err === undefined) return 'unknown error';
  if (typeof err === 'string') return err;
  if (typeof err === 'object') {
    const e = err as { error?: unknown; message?: unknown; body?: { error?: unknown } };
    if (typeof e.body?.error === 'string') return e.body.error;
    if (typeof e.error === 'string') return e.error;
    if (typeof e.message === 'string') {
      if (e.message === 'Failed to fetch' || e.message === 'fetch failed' || e.message.includes('NetworkError')) return 'the control plane is unreachable';
      return e.message;
    }
  }
  return String(err);
}

/** Field issues carried by an error: API `issues`, ValidationError `.issues`, or a ZodError. */
export function errorIssues(err: unknown): Issue[] {
  if (!err || typeof err !== 'object') return [];
  const e = err as { issues?: unknown; body?: { issues?: unknown } };
  const raw = Array.isArray(e.issues) ? e.issues : Array.isArray(e.body?.issues) ? e.body.issues : [];
  return raw
    .filter((i): i is { path?: unknown; message?: unknown; line?: unknown } => !!i && typeof i === 'object')
    .map((i) => {
      const line = typeof i.line === 'number' ? i.line : undefined;
      let message = typeof i.message === 'string' ? i.message : String(i.message);
      // text imports: the line travels in its own field; do not say it twice
      if (line !== undefined) message = message.replace(new RegExp(`^line ${line}:\\s*`), '');
      return { path: Array.isArray(i.path) ? pathText(i.path as Pathish[]) : typeof i.path === 'string' ? i.path : '', message, ...(line !== undefined ? { line } : {}) };
    });
}

/** The messages an error carries for one form field (`path`), for <Field errors>. */
export function issuesAt(err: unknown, path: string): string[] {
  return errorIssues(err)
    .filter((i) => i.path === path)
    .map((i) => i.message);
}

/** HTTP status of an API error, if it has one. */
export function errorStatus(err: unknown): number | null {
  if (!err || typeof err !== 'object') return null;
  const s = (err as { status?: unknown }).status;
  return typeof s === 'number' ? s : null;
}

/** Group issues by path so each form field finds its own; `prefix` strips a parent path. */
export function issuesByPath(issues: Issue[], prefix = ''): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const i of issues) {
    let p = i.path;
    if (prefix) {
      if (p === prefix) p = '';
      else if (p.startsWith(prefix + '.')) p = p.slice(prefix.length + 1);
      else continue;
    }
    m.set(p, [...(m.get(p) ?? []), i.message]);
  }
  return m;
}
