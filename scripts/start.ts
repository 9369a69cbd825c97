// `npm start`: the embedded default in one command. Migrates the database (SQLite under ./data
// unless DATABASE_URL says otherwise), seeds a demo cluster with two simulated directors (sim-1,
// sim-2) on a simulated VRRP segment, builds the app when its sources changed, serves it, and runs
// both directors' agents so the dashboard shows live traffic, a staged rollout has two directors to
// go through and the HA view has a VIP owner and a backup.
//
// Env: PORT (3000), HOST (0.0.0.0), DATABASE_URL, the server's settings (lib/server/settings.ts), LVS_ADMIN_PASSWORD, LVS_FRESH_DB=1 (start from an
// empty database), LVS_SKIP_BUILD=1 (use the existing .next build), LVS_NO_AGENT=1 (serve only).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseTarget, DatabaseUrlError, redact } from '../lib/server/db-url';
import { parseSettings, SettingsError } from '../lib/server/settings';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const say = (msg: string) => console.log(`[lvs-console] ${msg}`);
const die = (msg: string): never => {
  console.error(`[lvs-console] error: ${msg}`);
  process.exit(1);
};
const settings = (() => {
  try {
    return parseSettings();
  } catch (e) {
    if (e instanceof SettingsError) die(e.message);
    throw e;
  }
})();
const port = settings.PORT;
const host = process.env.HOST ?? '0.0.0.0';

function resolveDatabase() {
  try {
    return databaseTarget(process.env.DATABASE_URL, root);
  } catch (e) {
    if (e instanceof DatabaseUrlError) die(e.message);
    throw e;
  }
}

/** lib/server/migrate.ts applies the committed migrations (Prisma's wasm engine cannot on PostgreSQL, prisma/orm#27403). */
async function migrate(url: string) {
  const { migrateDatabase, MigrationError } = await import('../lib/server/migrate');
  try {
    await migrateDatabase(url, root);
  } catch (e) {
    if (e instanceof MigrationError || e instanceof DatabaseUrlError) die(e.message);
    throw e;
  }
}

/** Newest modification time under the app's source folders: rebuild only when it beats the build. */
function newestSourceMtime(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.name === 'node_modules' || ent.name.startsWith('.')) continue;
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of ['app', 'components', 'lib']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  for (const f of ['next.config.mjs', 'package.json']) newest = Math.max(newest, fs.statSync(path.join(root, f)).mtimeMs);
  return newest;
}

function build() {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (process.env.LVS_SKIP_BUILD === '1' && fs.existsSync(buildId)) return say('using the existing build (LVS_SKIP_BUILD=1)');
  if (fs.existsSync(buildId) && fs.statSync(buildId).mtimeMs > newestSourceMtime()) return say('build is up to date');
  say('building the web app (next build)…');
  const r = spawnSync(bin('next'), ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) die('next build failed (see above)');
}

async function waitForHttp(url: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  die(`the web app did not answer on ${url} within ${ms / 1000} s`);
}

async function main() {
  const db = resolveDatabase();
  if (db.kind === 'sqlite') {
    fs.mkdirSync(path.dirname(db.file), { recursive: true });
    if (process.env.LVS_FRESH_DB === '1') for (const sfx of ['', '-wal', '-shm', '-journal']) fs.rmSync(db.file + sfx, { force: true });
  }
  process.env.DATABASE_URL = db.url;
  say(`database: ${db.kind === 'sqlite' ? db.file : redact(db.url)}`);
  await migrate(db.url);

  const { seedDemo } = await import('../lib/server/seed');
  const seeded = await seedDemo({ adminPassword: process.env.LVS_ADMIN_PASSWORD });

  build();

  // the demo's simulated VRRP segment (agent/engines/sim/vrrp.ts): fresh on every start, so sim-1 is the master
  const vrrpDir = path.join(root, 'data', 'demo-vrrp');
  fs.rmSync(vrrpDir, { recursive: true, force: true });
  const withAgents = process.env.LVS_NO_AGENT !== '1' && seeded.tokenFile;

  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 1500).unref();
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  // scripts/serve.ts: Next behind our own node:http server, which records each client's socket address
  const web = spawn(bin('tsx'), [path.join(root, 'scripts', 'serve.ts')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PORT: String(port), HOST: host, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...(withAgents ? { LVS_DEMO_VRRP_DIR: vrrpDir } : {}) },
  });
  children.push(web);
  web.on('exit', (code) => {
    if (!stopping) console.error(`[lvs-console] the web app exited (${code})`);
    stop(code ?? 1);
  });
  const local = `http://127.0.0.1:${port}`;
  await waitForHttp(`${local}/api/v1/health`, 60_000);

  // two simulated directors on one simulated VRRP segment: sim-1 (priority 150) holds the VIPs, sim-2 (100) is its backup
  const demoAgents = seeded.agents.map((a, i) => ({
    name: a.name,
    tokenFile: a.tokenFile,
    stateDir: path.join(root, 'data', i === 0 ? 'agent-state' : `agent-state-${a.name}`),
    priority: i === 0 ? 150 : 100,
  }));
  for (const a of withAgents ? demoAgents : []) {
    const agent = spawn(
      process.execPath,
      [
        path.join(root, 'agent', 'bin', 'lvs-agent.mjs'),
        'run',
        '--engine',
        'sim',
        '--sim-traffic',
        'demo',
        '--server',
        local,
        '--token-file',
        a.tokenFile!,
        '--state-dir',
        a.stateDir,
        '--sim-vrrp',
        vrrpDir,
        '--sim-vrrp-id',
        a.name,
        '--sim-vrrp-priority',
        String(a.priority),
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: process.env },
    );
    children.push(agent);
    agent.on('exit', (code) => {
      if (!stopping) console.error(`[lvs-console] the simulated director ${a.name}'s agent exited (${code}); the web app keeps running`);
    });
  }

  console.log('');
  say(`LVS Console is running: http://localhost:${port}`);
  if (seeded.adminPassword) say(`sign in as "${seeded.adminUsername}" with password: ${seeded.adminPassword}   (shown once; change it under Users)`);
  else say(`sign in as "${seeded.adminUsername}" (password from LVS_ADMIN_PASSWORD, or the one printed at first start)`);
  say('two simulated directors (cluster "demo": "sim-1" active, holding the VIPs, and "sim-2" its VRRP backup) are serving live traffic. Ctrl-C stops everything.');
}

main().catch((e) => die(e instanceof Error ? e.message : String(e)));
