import { it } from 'vitest';
import { createUser } from '@/lib/server/users';
import { createTestDb } from '../db/harness';
import { startServer } from '../integration/harness';
import { send, jsonPost } from '../security/http';
import fs from 'node:fs';
it('diag', async () => {
  const tdb = await createTestDb('sqlite');
  await createUser({ username: 'admin', password: 'correct horse battery staple', role: 'admin' }, { actor: 't', clientIp: null });
  const server = await startServer(tdb.url);
  const base = server.url;
  const l = await send(base, '/api/v1/auth/login', jsonPost({ username: 'admin', password: 'correct horse battery staple' }));
  const cookie = String(l.headers['set-cookie']).split(';')[0]!;
  const as = (body: unknown) => ({ method: 'POST', headers: { cookie, origin: base, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await send(base, '/api/v1/clusters', as({ name: 'bulk' }));
  for (const name of ['lb1', 'lb2']) await send(base, '/api/v1/clusters/bulk/directors', as({ name }));
  const text = fs.readFileSync('/tmp/h7/big.rules', 'utf8');
  for (const dryRun of [true, false]) {
    const t0 = performance.now();
    let done = false;
    const imp = send(base, '/api/v1/clusters/bulk/import', as({ format: 'rules', text, baseRevision: 1, dryRun })).then((r) => { done = true; console.log(`import dryRun=${dryRun} ${r.status} at ${(performance.now() - t0).toFixed(0)} ms, ${(r.text.length / 1e6).toFixed(2)} MB`); });
    const pings: string[] = [];
    let worst = 0;
    for (let i = 0; i < 500 && !done; i++) { const t = performance.now(); await send(base, '/api/v1/health'); const dt = performance.now() - t; worst = Math.max(worst, dt); pings.push(`${(t - t0).toFixed(0)}+${dt.toFixed(0)}`); }
    await imp;
    console.log(`pings during import: ${pings.length}, worst ${worst.toFixed(0)} ms:`, pings.join(' '));
  }
  await server.stop(); await tdb.drop();
}, 200_000);
