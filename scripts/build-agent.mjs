// Bundle the agent into ONE file, agent/dist/lvs-agent.mjs, so a director starts it in well under
// a second (tsx compiling hundreds of TypeScript files at every start is for development only).
// Pure-JS dependencies are inlined; native addons (netlink's N-API binary) stay external and are
// resolved from node_modules at run time. Runs at `npm install` (postinstall) and by hand:
//   node scripts/build-agent.mjs                 # agent/cli.ts -> agent/dist/lvs-agent.mjs
//   node scripts/build-agent.mjs ENTRY OUTFILE   # another entry with the same options (the
//                                                # conformance suite's netlink driver for the VM)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let build;
try {
  ({ build } = await import('esbuild'));
} catch (e) {
  // postinstall must not break an install where esbuild could not be installed: say so and go on
  console.warn(`agent: esbuild unavailable (${e.message}); run the agent through tsx: agent/bin/lvs-agent.mjs`);
  process.exit(0);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Packages with native code: loaded from node_modules, never inlined. */
const NATIVE = ['netlink', 'better-sqlite3'];

const [entry = 'agent/cli.ts', outfile = 'agent/dist/lvs-agent.mjs'] = process.argv.slice(2);
const started = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  tsconfig: 'tsconfig.json',
  external: NATIVE,
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __lvsCreateRequire } from 'node:module'; const require = __lvsCreateRequire(import.meta.url);" },
  minify: true, // parse time is start time on a small director (and 10x that under emulation)
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`agent: built ${outfile} (${Math.round(bytes / 1024)} KiB) in ${Date.now() - started} ms`);
