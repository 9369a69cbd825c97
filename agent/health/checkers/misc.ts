// keepalived's MISC_CHECK, run only from the director's own checks directory: the config names a
// script (a file name, never a path or a command line) and its arguments; no shell is involved.
// Exit 0 is good, 1 bad; with misc_dynamic, 2..255 is good with weight = status - 2.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CheckScriptSchema } from '@/lib/ipvs/model';
import type { CheckRun } from './types';

/** The check scripts a director has (executable files in its checks directory), to report. */
export function availableScripts(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && CheckScriptSchema.safeParse(e.name).success && (fs.statSync(path.join(dir, e.name)).mode & 0o111) !== 0)
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Scripts get a fixed, minimal environment: nothing of the agent's (its token) leaks into them. */
const SCRIPT_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } as unknown as NodeJS.ProcessEnv;

export const miscCheck: CheckRun = ({ check }, { checksDir }) =>
  new Promise((resolve) => {
    const name = check.script ?? '';
    if (!CheckScriptSchema.safeParse(name).success) return resolve({ ok: false, reason: `not a script name: ${JSON.stringify(name)}` });
    const file = path.join(checksDir, name);
    if (!availableScripts(checksDir).includes(name)) return resolve({ ok: false, reason: `no executable ${name} in ${checksDir} on this director` });
    execFile(file, check.scriptArgs ?? [], { timeout: check.timeout * 1000, cwd: checksDir, env: SCRIPT_ENV }, (err) => {
      if (!err) return resolve({ ok: true, reason: `ok: ${name} exited 0` });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      if (e.killed) return resolve({ ok: false, reason: `${name} timed out after ${check.timeout} s` });
      const status = typeof e.code === 'number' ? e.code : NaN;
      if (check.dynamicWeight && status >= 2 && status <= 255) return resolve({ ok: true, reason: `ok: ${name} exited ${status} (weight ${status - 2})`, weight: status - 2 });
      resolve({ ok: false, reason: Number.isNaN(status) ? `${name}: ${err.message}` : `${name} exited ${status}` });
    });
  });
