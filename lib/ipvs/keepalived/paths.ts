// POSIX path arithmetic and glob(3) matching for `include`, over an in-memory file set (the core
// has no file system). keepalived hands the include pattern to glob(3) with GLOB_BRACE, so `*`,
// `?`, `[...]` and `{a,b}` are understood; `*` and `?` never cross a `/` and never match a leading dot.

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}

/** Join and normalise ("a/b/../c" -> "a/c"); an absolute `rel` replaces `base`. */
export function resolvePath(base: string, rel: string): string {
  const joined = rel.startsWith('/') ? rel : `${base}/${rel}`;
  const abs = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
}

/** {a,b} alternatives, expanded first as glob(3) with GLOB_BRACE does (nesting allowed). */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      const parts: string[] = [];
      let d = 0;
      let from = start + 1;
      for (let j = start + 1; j < i; j++) {
        if (pattern[j] === '{') d++;
        else if (pattern[j] === '}') d--;
        else if (pattern[j] === ',' && d === 0) {
          parts.push(pattern.slice(from, j));
          from = j + 1;
        }
      }
      parts.push(pattern.slice(from, i));
      const head = pattern.slice(0, start);
      const tail = pattern.slice(i + 1);
      return parts.flatMap((p) => expandBraces(head + p + tail));
    }
  }
  return [pattern];
}

function segmentRegex(seg: string): string {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < seg.length) re += `\\${seg[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return re;
}

export function hasGlob(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** The paths among `paths` that `pattern` (absolute, normalised) matches, sorted as glob(3) sorts them. */
export function globMatch(pattern: string, paths: Iterable<string>): string[] {
  const res = expandBraces(pattern).map((p) => {
    const segs = p.split('/');
    // a wildcard at the start of a segment does not match a leading dot, as in glob(3)
    return new RegExp(`^${segs.map((s) => (/^[*?[]/.test(s) ? `(?!\\.)${segmentRegex(s)}` : segmentRegex(s))).join('/')}$`);
  });
  const out = new Set<string>();
  for (const path of paths) if (res.some((re) => re.test(path))) out.add(path);
  return [...out].sort();
}
