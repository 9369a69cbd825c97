// Where the time of a large import goes (issue 11 #7): `npx tsx bench/import-profile.ts <rules file>`,
// optionally under `node --cpu-prof --import tsx`. Prints the wall time per phase of one import.
import fs from 'node:fs';
import { createTestDb } from '../test/db/harness';
import { call, signIn } from '../test/api/caller';
import { createUser } from '@/lib/server/users';

const text = fs.readFileSync(process.argv[2]!, 'utf8');
const tdb = await createTestDb('sqlite');
await createUser({ username: 'admin', password: 'profile-password-1', role: 'admin' }, { actor: 'system', clientIp: null });
const admin = await signIn('admin', 'profile-password-1');
await call('createCluster', { body: { name: 'web' }, as: admin });
for (const name of ['lb1', 'lb2']) await call('registerDirector', { params: { cluster: 'web' }, body: { name }, as: admin });
for (const dryRun of [true, false]) {
  const t0 = performance.now();
  const r = await call('importConfig', { params: { cluster: 'web' }, body: { format: 'rules', text, baseRevision: 1, dryRun }, as: admin });
  const sizes = Object.fromEntries(Object.entries(r.body.plan ?? {}).map(([k, v]) => [k, `${(JSON.stringify(v).length / 1e6).toFixed(2)} MB`]));
  console.log(sizes, r.body.plan?.directors?.[0] && Object.fromEntries(Object.entries(r.body.plan.directors[0]).map(([k, v]) => [k, JSON.stringify(v).length])));
  console.log(`import dryRun=${dryRun}: ${r.status} in ${(performance.now() - t0).toFixed(0)} ms, answer ${(r.text.length / 1e6).toFixed(1)} MB`);
}
await tdb.drop();
