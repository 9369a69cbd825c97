// The agent's version, reported in `hello`: the package version.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_VERSION: string = (() => {
  // agent/version.ts in development, agent/dist/lvs-agent.mjs when bundled: the package is one or two levels up
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(here, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lvs-console') return pkg.version ?? '0.0.0';
    } catch {
      // not there
    }
  }
  return '0.0.0';
})();
