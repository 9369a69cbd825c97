// keepalived.conf and what it includes, read from disk for the offline CLI: the core's
// preprocessor asks for files and globs; this answers from the file system (read-only).
import fs from 'node:fs';
import path from 'node:path';
import type { FileSource } from '@/lib/ipvs/keepalived/preprocess';
import { expandBraces, globMatch, hasGlob } from '@/lib/ipvs/keepalived/paths';

/** Files under `dir`, `depth` levels deep at most (what a glob of that many segments can match). */
function listFiles(dir: string, depth: number, out: string[]): void {
  if (depth <= 0 || out.length > 100_000) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, depth - 1, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
}

/** The disk as a FileSource; `overrides` answers first (stdin as a file). */
export function diskSource(overrides: Record<string, string> = {}): FileSource {
  return {
    read(p) {
      if (p in overrides) return overrides[p];
      try {
        const st = fs.statSync(p);
        // keepalived reads regular, non-executable files only
        if (!st.isFile() || st.mode & 0o111) return undefined;
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    glob(pattern) {
      const found: string[] = [];
      for (const alt of expandBraces(pattern)) {
        const segs = alt.split('/');
        const first = segs.findIndex((s) => hasGlob(s));
        if (first < 0) {
          found.push(alt);
          continue;
        }
        listFiles(segs.slice(0, first).join('/') || '/', segs.length - first, found);
      }
      return globMatch(pattern, found).filter((p) => this.read(p) !== undefined);
    },
    display: (p) => path.relative(process.cwd(), p) || p,
  };
}
