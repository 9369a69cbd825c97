// The keepalived.conf corpus (__fixtures__/<case>/): keepalived's own samples and one case per
// feature of its config language, each with the rules keepalived would program, or the errors
// (file, line, reason) the import must give.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importKeepalived } from './import';
import { RulesParseError } from '../errors';
import { printRules } from '../rules';
import { toKeepalivedConf } from '../keepalived';

const DIR = path.join(import.meta.dirname, '__fixtures__');

interface Expect {
  source?: string;
  entry?: string;
  configId?: string;
  defines?: Record<string, string>;
  rules?: string;
  services?: number;
  match?: object;
  /** every service matches this */
  matchEach?: object;
  files?: string[];
  warnings?: string[];
  errors?: { file: string; line: number; match: string }[];
}

function filesOf(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, filesOf(dir, rel));
    else if (rel !== 'expect.json') out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
  }
  return out;
}

describe('keepalived.conf corpus', () => {
  for (const name of fs
    .readdirSync(DIR)
    .filter((n) => fs.statSync(path.join(DIR, n)).isDirectory())
    .sort()) {
    const dir = path.join(DIR, name);
    const exp = JSON.parse(fs.readFileSync(path.join(dir, 'expect.json'), 'utf8')) as Expect;
    it(`${name}${exp.source ? ` (${exp.source})` : ''}`, () => {
      const run = () => importKeepalived({ entry: exp.entry ?? 'keepalived.conf', files: filesOf(dir) }, { configId: exp.configId, defines: exp.defines });
      if (exp.errors) {
        let err: unknown;
        try {
          run();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(RulesParseError);
        const issues = (err as RulesParseError).issues;
        for (const want of exp.errors)
          expect(issues, JSON.stringify(issues)).toContainEqual(expect.objectContaining({ file: want.file, line: want.line, message: expect.stringMatching(new RegExp(want.match)) }));
        expect(issues.every((i) => i.file && i.line > 0)).toBe(true);
        return;
      }
      const r = run();
      if (exp.rules !== undefined) expect(printRules(r.config)).toBe(exp.rules);
      if (exp.services !== undefined) expect(r.config.services).toHaveLength(exp.services);
      if (exp.match) expect(r.config).toMatchObject(exp.match);
      for (const s of exp.matchEach ? r.config.services : []) expect(s).toMatchObject(exp.matchEach!);
      if (exp.files) expect(r.files).toEqual(exp.files);
      for (const w of exp.warnings ?? []) expect(r.warnings.map((x) => x.path)).toContain(w);
      // what imports exports and imports back the same
      expect(importKeepalived(toKeepalivedConf(r.config)).config).toEqual(r.config);
    });
  }
});
