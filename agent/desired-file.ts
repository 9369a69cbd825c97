// `--desired FILE` for plan/apply: a DirectorConfig as JSON (or any JSON object with a `config`
// field holding one, such as an exported revision), or rules text as `ipvsadm -Sn` prints it
// (with --set / --start-daemon lines for the globals). "-" reads stdin.
import fs from 'node:fs';
import { DirectorConfigSchema, type DirectorConfig } from '../lib/ipvs/model';
import { ValidationError, issuesFromZod } from '../lib/ipvs/errors';
import { parseRules } from '../lib/ipvs/rules';

export function readDesiredText(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function parseDesired(text: string, name = 'desired config'): DirectorConfig {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ValidationError([{ path: '', message: `${name} is not valid JSON: ${(e as Error).message}` }]);
    }
    const obj = json as Record<string, unknown>;
    const wrapped = obj && typeof obj === 'object' && 'config' in obj && !('services' in obj) ? obj.config : json;
    const r = DirectorConfigSchema.safeParse(wrapped);
    if (!r.success) {
      const prefix = wrapped === json ? '' : 'config.';
      throw new ValidationError(issuesFromZod(r.error).map((i) => ({ path: `${prefix}${i.path}`.replace(/\.$/, ''), message: i.message })));
    }
    return r.data;
  }
  return parseRules(text);
}

export function loadDesired(file: string): DirectorConfig {
  return parseDesired(readDesiredText(file), file === '-' ? 'stdin' : file);
}
