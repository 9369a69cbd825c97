// keepalived's config language below the keywords, as its lib/parser.c reads it: comments (! and #,
// not inside "..."; \! and \# are literal), `include PATTERN` (glob(3) with braces, relative to the
// including file's directory), `$NAME=value` definitions (a value ending in `\` continues on the
// next lines), `$NAME` / `${NAME}` substitution, `@id` / `@^id` conditional lines for a config id,
// `~SEQ(var, start, step, end)` repetition, and `{` / `}` wherever they stand. The result is the
// logical lines keepalived's keyword parser would see, each with the file and line it came from.
// Pure: files come from a FileSource (a map in the API, the disk in the CLI).
import { dirname, globMatch, hasGlob, resolvePath } from './paths';

export interface SourceLine {
  file: string;
  line: number;
  text: string;
}

export interface KeepalivedIssue {
  file: string;
  line: number;
  path: string;
  message: string;
}

/** Where included files come from. Paths are absolute and normalised. */
export interface FileSource {
  read(path: string): string | undefined;
  glob(pattern: string): string[];
  /** How a path is shown in messages (the name the user gave it). */
  display?(path: string): string;
}

export interface PreprocessOptions {
  /** keepalived's --config-id: `@id` lines are kept only for it; none by default (keepalived's default too). */
  configId?: string;
  /** Definitions as if written at the top of the main file (`--define NAME=VALUE`). */
  defines?: Record<string, string>;
}

export interface Preprocessed {
  lines: SourceLine[];
  /** Every file read, in reading order (display names). */
  files: string[];
  issues: KeepalivedIssue[];
}

/** Files given as a map (upload / archive): relative names live under `baseDir` (keepalived's default /etc/keepalived). */
export function mapSource(files: Record<string, string>, baseDir = '/etc/keepalived'): FileSource & { resolve(name: string): string } {
  const byPath = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [name, text] of Object.entries(files)) {
    const p = resolvePath(baseDir, name);
    byPath.set(p, text);
    names.set(p, name);
  }
  return {
    read: (p) => byPath.get(p),
    glob: (pattern) => globMatch(pattern, byPath.keys()),
    display: (p) => names.get(p) ?? p,
    resolve: (name) => resolvePath(baseDir, name),
  };
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const MAX_INCLUDE_DEPTH = 16;
const MAX_EXPANSIONS = 10000;
const MAX_LINES = 1_000_000;

interface Definition {
  /** one entry per line of the value */
  lines: string[];
  multiline: boolean;
}

/** Strip a comment (outside quotes), unescape \! and \#, trim; `cont` = the line ends with a lone `\`. */
export function decomment(raw: string): { text: string; cont: boolean; unterminatedQuote: boolean } {
  // most lines hold none of the special characters
  if (!/[!#"\\]/.test(raw)) return { text: raw.trim(), cont: false, unterminatedQuote: false };
  let out = '';
  let quote = false;
  let cont = false;
  const s = raw.replace(/^[ \t]+/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      quote = !quote;
      out += c;
    } else if (c === '\\') {
      if (i + 1 >= s.length) {
        cont = true;
        break;
      }
      const n = s[i + 1]!;
      if (!quote && (n === '#' || n === '!')) out += n;
      else out += c + n;
      i++;
    } else if (!quote && (c === '!' || c === '#')) break;
    else out += c;
  }
  return { text: out.replace(/[ \t]+$/, ''), cont, unterminatedQuote: quote };
}

/** Split a line at `{` and `}` outside quotes, as keepalived's read_line hands them over one by one. */
export function splitBraces(text: string): string[] {
  if (!/[{}]/.test(text)) return [text.trim()];
  const out: string[] = [];
  let cur = '';
  let quote = false;
  for (const c of text) {
    if (c === '"') quote = !quote;
    if (!quote && (c === '{' || c === '}')) {
      if (cur.trim()) out.push(cur.trim());
      out.push(c);
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** keepalived's words: blanks separate, "..." is one word without its quotes. */
export function words(text: string): { words: string[]; error?: string } {
  if (!text.includes('"')) return { words: text.split(/\s+/).filter(Boolean) };
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return { words: out, error: `unmatched quote in ${JSON.stringify(text)}` };
      out.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !/\s/.test(text[j]!) && text[j] !== '"') j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return { words: out };
}

class Preprocessor {
  readonly lines: SourceLine[] = [];
  readonly files: string[] = [];
  readonly issues: KeepalivedIssue[] = [];
  private readonly defs = new Map<string, Definition>();
  private expansions = 0;

  constructor(
    private readonly source: FileSource,
    private readonly opts: PreprocessOptions,
  ) {
    for (const [k, v] of Object.entries(opts.defines ?? {})) this.defs.set(k, { lines: [v], multiline: false });
  }

  private name(p: string): string {
    return this.source.display?.(p) ?? p;
  }

  private issue(file: string, line: number, path: string, message: string): void {
    this.issues.push({ file, line, path, message });
  }

  readFile(path: string, stack: string[]): void {
    const text = this.source.read(path);
    const file = this.name(path);
    if (text === undefined) return; // the caller reports it with its own line
    this.files.push(file);
    let pending: Definition | null = null;
    const raw = text.split('\n');
    for (let n = 0; n < raw.length; n++) {
      const lineNo = n + 1;
      const { text: t, cont, unterminatedQuote } = decomment(raw[n]!.replace(/\r$/, ''));
      if (unterminatedQuote) this.issue(file, lineNo, 'syntax', `unterminated quote (")`);
      if (pending) {
        // a multi-line definition goes on while its lines end in `\`; a line without one is its last
        if (t) pending.lines.push(t);
        if (!cont) {
          if (pending.lines.length === 0 || (pending.lines.length === 1 && pending.lines[0] === '')) pending.multiline = false;
          pending = null;
        }
        continue;
      }
      if (!t && !cont) continue;
      const def = this.line(t, { file, line: lineNo, dir: dirname(path) }, stack, cont);
      if (def) pending = def;
    }
  }

  /** One logical line; returns the definition it opened if that continues on the next lines. */
  private line(text: string, at: { file: string; line: number; dir: string }, stack: string[], cont = false): Definition | null {
    const queue: string[] = [];
    let t = text;
    for (let guard = 0; ; guard++) {
      if (guard > 64) {
        this.issue(at.file, at.line, 'substitution', 'substitution does not end (a definition refers to itself?)');
        return null;
      }
      if (t.startsWith('@')) {
        const neg = t[1] === '^';
        const m = /^@\^?(\S+)[ \t]+(.*)$/.exec(t);
        if (!m) return null; // keepalived drops an @id line with nothing after the id
        const matches = this.opts.configId !== undefined && m[1] === this.opts.configId;
        if (matches === neg) return null;
        t = m[2]!;
      }
      if (t.startsWith('$')) {
        const d = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(t);
        if (d) {
          const def: Definition = { lines: d[2] ? [d[2]] : [], multiline: cont };
          this.defs.set(d[1]!, def);
          return cont ? def : null;
        }
        if (/^\$[A-Za-z_][A-Za-z0-9_]*[ \t]+=/.test(t)) {
          this.issue(at.file, at.line, 'definition', `"${t}": a definition is $NAME=value with no blank before "=" (keepalived reads this line as a keyword)`);
          return null;
        }
      }
      if (t.startsWith('~SEQ')) {
        this.seq(t, at, stack);
        return null;
      }
      if (t.startsWith('~')) break;
      if (!t.includes('$')) break;
      const r = this.substitute(t, at);
      if (!r) break;
      t = r.text;
      queue.push(...r.more);
      if (!(t.startsWith('@') || t.includes('$'))) break;
    }
    if (t) this.emit(t, at, stack);
    for (const q of queue) this.line(q, at, stack);
    return null;
  }

  private seq(t: string, at: { file: string; line: number; dir: string }, stack: string[]): void {
    const m = /^~SEQ(x?)[ \t]*\([ \t]*([^ \t,)]+)[ \t]*,([^)]*)\)[ \t]*(.*)$/.exec(t);
    const bad = (why: string) => this.issue(at.file, at.line, '~SEQ', `invalid ~SEQ "${t}": ${why}`);
    if (!m) return bad('expected ~SEQ(var, [start,] [step,] end) text');
    const hex = m[1] === 'x';
    const params = this.substitute(m[3]!, at)?.text ?? m[3]!;
    const nums = params.split(',').map((s) => s.trim());
    if (nums.some((s) => !/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(s)) || nums.length > 3) return bad('its parameters must be 1 to 3 integers');
    const v = nums.map((s) => Number.parseInt(s, s.toLowerCase().replace(/^[-+]/, '').startsWith('0x') ? 16 : 10));
    let start: number, step: number, end: number;
    if (v.length === 1) [end, step, start] = [v[0]!, v[0]! < 1 ? -1 : 1, v[0]! < 0 ? -1 : 1];
    else if (v.length === 2) [start, end, step] = [v[0]!, v[1]!, v[0]! <= v[1]! ? 1 : -1];
    else [start, step, end] = [v[0]!, v[1]!, v[2]!];
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return bad('the step does not go from start to end');
    if (hex && (start < 0 || end < 0)) return bad('~SEQx takes only positive numbers');
    if (Math.abs((end - start) / step) > 65536) return bad('more than 65536 repetitions');
    const text = m[4]!;
    for (let x = start; step > 0 ? x <= end : x >= end; x += step) {
      this.defs.set(m[2]!, { lines: [hex ? x.toString(16) : String(x)], multiline: false });
      if (text) this.line(text, at, stack);
    }
  }

  /** Replace defined $NAME / ${NAME}; null when nothing was replaced. */
  private substitute(text: string, at: { file: string; line: number; dir: string }): { text: string; more: string[] } | null {
    let t = text;
    let pos = 0;
    let found = false;
    const more: string[] = [];
    while ((pos = t.indexOf('$', pos)) >= 0 && pos + 1 < t.length) {
      const braces = t[pos + 1] === '{';
      let i = pos + 1 + (braces ? 1 : 0);
      if (!NAME_START.test(t[i] ?? '')) {
        pos++;
        continue;
      }
      const nameStart = i;
      while (i < t.length && NAME_CHAR.test(t[i]!)) i++;
      const name = t.slice(nameStart, i);
      let end = i;
      if (braces) {
        while (end < t.length && /[ 0-9]/.test(t[end]!)) end++; // ${_RANDOM 1 10}
        if (t[end] !== '}') {
          pos++;
          continue;
        }
        end++;
      } else if (i < t.length && !/[ \t,)]/.test(t[i]!)) {
        pos++;
        continue;
      }
      const def = this.lookup(name, at);
      if (!def || (def.multiline && end !== t.length)) {
        pos++;
        continue;
      }
      if (++this.expansions > MAX_EXPANSIONS) {
        this.issue(at.file, at.line, 'substitution', 'too many substitutions (a definition refers to itself?)');
        return null;
      }
      found = true;
      const [first = '', ...rest] = def.lines;
      t = t.slice(0, pos) + first + t.slice(end);
      more.unshift(...rest);
      if (first.trimStart().startsWith('~')) break;
    }
    return found ? { text: t, more } : null;
  }

  private lookup(name: string, at: { file: string; line: number; dir: string }): Definition | undefined {
    const d = this.defs.get(name);
    if (d) return d;
    if (name === '_PWD') return { lines: [at.dir], multiline: false };
    if (name === '_INSTANCE') return { lines: [this.opts.configId ?? ''], multiline: false };
    if (name === '_RANDOM') {
      this.issue(at.file, at.line, '$_RANDOM', '$_RANDOM gives a different value at every keepalived start; an import needs a fixed value (define it with --define _RANDOM=N)');
      return { lines: ['0'], multiline: false };
    }
    return undefined;
  }

  private emit(text: string, at: { file: string; line: number; dir: string }, stack: string[]): void {
    const w = words(text).words;
    if (w[0] === 'include' && w.length === 2) return this.include(w[1]!, at, stack);
    if (this.lines.length > MAX_LINES) {
      if (this.lines.length === MAX_LINES + 1) this.issue(at.file, at.line, 'size', `more than ${MAX_LINES} lines after expansion`);
      return;
    }
    for (const part of splitBraces(text)) this.lines.push({ file: at.file, line: at.line, text: part });
  }

  private include(pattern: string, at: { file: string; line: number; dir: string }, stack: string[]): void {
    const target = resolvePath(at.dir, pattern);
    const matched = hasGlob(target) ? this.source.glob(target) : this.source.read(target) !== undefined ? [target] : [];
    if (matched.length === 0) {
      this.issue(
        at.file,
        at.line,
        'include',
        `include ${pattern}: no file ${hasGlob(target) ? 'matches' : 'named'} ${target} among the files given (add the included files to the import, or remove the include)`,
      );
      return;
    }
    for (const p of matched) {
      if (stack.includes(p)) {
        this.issue(at.file, at.line, 'include', `include ${pattern}: ${this.name(p)} includes itself (through ${stack.map((s) => this.name(s)).join(' -> ')})`);
        continue;
      }
      if (stack.length >= MAX_INCLUDE_DEPTH) {
        this.issue(at.file, at.line, 'include', `include ${pattern}: includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
        continue;
      }
      this.readFile(p, [...stack, p]);
    }
  }
}

/** Read `entry` (an absolute path in `source`) and everything it includes, as keepalived would. */
export function preprocess(entry: string, source: FileSource, opts: PreprocessOptions = {}): Preprocessed {
  const p = new Preprocessor(source, opts);
  if (source.read(entry) === undefined) p.issues.push({ file: source.display?.(entry) ?? entry, line: 0, path: 'file', message: 'file not found' });
  else p.readFile(entry, [entry]);
  return { lines: p.lines, files: p.files, issues: p.issues };
}
