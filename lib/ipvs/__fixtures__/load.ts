// Test-only: the recorded ipvsadm 1.31 outputs in ../shared/fixtures/ipvsadm (see its README.md).
// Uses node:fs, so never import it from runtime code.
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const FIXTURE_DIR = path.resolve(repoRoot, '../shared/fixtures/ipvsadm');

export interface Fixture {
  name: string;
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

let index: Map<string, { exitCode: number; command: string }> | null = null;

function loadIndex(): Map<string, { exitCode: number; command: string }> {
  if (index) return index;
  index = new Map();
  for (const line of fs.readFileSync(path.join(FIXTURE_DIR, 'INDEX.tsv'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [name, code, ...cmd] = line.split('\t');
    index.set(name!, { exitCode: Number(code), command: cmd.join('\t') });
  }
  return index;
}

/** A fixture by name ("076_save_all_n"): byte-exact stdout/stderr from raw/. */
export function fixture(name: string): Fixture {
  const meta = loadIndex().get(name);
  if (!meta) throw new Error(`no fixture ${name} in INDEX.tsv`);
  const read = (ext: string) => {
    const p = path.join(FIXTURE_DIR, 'raw', `${name}.${ext}`);
    return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
  };
  return { name, command: meta.command, exitCode: meta.exitCode, stdout: read('stdout'), stderr: read('stderr') };
}

/** All fixture names, in INDEX.tsv order. */
export function fixtureNames(): string[] {
  return [...loadIndex().keys()];
}
