// Where sign-in may send the browser afterwards: a path on this site, or "/". Checked by how a
// browser will actually parse it (URL resolves "/\evil.com" to another host, and drops tabs and
// newlines), not by how the string starts.
const BASE = 'http://lvs-console.invalid';

export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  try {
    const u = new URL(next, BASE);
    if (u.origin !== BASE) return '/';
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return '/';
  }
}
