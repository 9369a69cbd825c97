// `npm run proof -- <name> [--json] [options]`: runs one proof from bench/proof/, prints its table
// (on stderr with --json, so stdout is exactly the JSON object) and exits 1 when a goal is missed
// at the size it ran. A proof is one module exporting a `Proof`; adding one (e.g. `traffic`) is
// one more line in PROOFS.
import { chaos } from './proof/chaos';
import { fleet } from './proof/fleet';
import { traffic } from './proof/traffic';
import { table, type Proof } from './proof/kit';

const PROOFS: Record<string, Proof> = { fleet, chaos, traffic };

const [name, ...rest] = process.argv.slice(2);
const proof = name ? PROOFS[name] : undefined;
if (!proof) {
  console.error(
    `usage: npm run proof -- <name> [--json] [options]\n${Object.entries(PROOFS)
      .map(([k, v]) => `  ${k.padEnd(8)} ${v.summary}`)
      .join('\n')}`,
  );
  process.exit(2);
}
const json = rest.includes('--json');
const argv = rest.filter((a) => a !== '--json');
const say = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
try {
  const r = await proof.run(argv, say);
  const text = table(name!, r);
  if (json) {
    process.stderr.write(`${text}\n`);
    process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
  } else console.log(text);
  const missed = r.goals.filter((g) => !g.ok);
  if (missed.length) {
    process.stderr.write(`${missed.length} goal(s) missed: ${missed.map((g) => `${g.name} (${g.detail})`).join('; ')}\n`);
    process.exit(1);
  }
  process.exit(0);
} catch (e) {
  process.stderr.write(`[${name}] failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
}
