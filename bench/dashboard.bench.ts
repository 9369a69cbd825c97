// The cluster page with 1,000 virtual services (3 real servers each), measured in Chromium:
// time from navigation to the full services table, then how responsive the page stays while the
// live chart and the table update every second (long tasks, search-box latency). Prints figures.
//
// Starts its own app (scripts/start.ts on LVS_BENCH_PORT, default 3200, a fresh SQLite file,
// LVS_SKIP_BUILD=1: run `next build` first) and a simulated director for the bench cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.LVS_BENCH_PORT ?? 3200);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'bench-admin-password-1';
const SERVICES = 1000;

function benchConfig() {
  const services = [];
  for (let i = 0; i < SERVICES; i++) {
    const vip = `198.51.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;
    services.push({
      protocol: 'tcp',
      address: vip,
      port: 80,
      scheduler: i % 3 === 0 ? 'wrr' : 'wlc',
      ...(i % 5 === 0 ? { persistence: { timeout: 300 } } : {}),
      realServers: [1, 2, 3].map((k) => ({ address: `10.${20 + Math.floor(i / 250)}.${i % 250}.${k}`, forwarding: 'route', weight: k })),
    });
  }
  return { services };
}

async function waitFor(url: string, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

async function api(cookie: string, method: string, p: string, body?: unknown) {
  const r = await fetch(`${BASE}${p}`, {
    method,
    headers: { cookie, origin: BASE, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function run(): Promise<void> {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) {
    console.log('dashboard bench skipped: no .next build (run `npx next build` first)');
    return;
  }
  const children: ChildProcess[] = [];
  const app = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: 'file:./data/bench.db', LVS_FRESH_DB: '1', LVS_SKIP_BUILD: '1', LVS_NO_AGENT: '1', LVS_ADMIN_PASSWORD: PASSWORD },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(app);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await waitFor(`${BASE}/api/v1/health`, 120_000);
    const login = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: BASE }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    if (!login.ok || !cookie) throw new Error(`sign-in failed: ${login.status}`);

    const t0 = performance.now();
    await api(cookie, 'POST', '/api/v1/clusters', { name: 'bench', description: `${SERVICES} services`, config: benchConfig() });
    const createMs = performance.now() - t0;
    const reg = await api(cookie, 'POST', '/api/v1/clusters/bench/directors', { name: 'bench-sim' });
    const tokenFile = path.join(root, 'data', 'bench-agent.token');
    fs.writeFileSync(tokenFile, `${reg.token}\n`, { mode: 0o600 });
    const agent = spawn(process.execPath, [path.join(root, 'agent', 'bin', 'lvs-agent.mjs'), 'run', '--engine', 'sim', '--sim-traffic', 'demo', '--server', BASE, '--token-file', tokenFile, '--state-dir', path.join(root, 'data', 'bench-agent-state')], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    children.push(agent);
    // wait until the director has applied the 1,000 services and reports stats
    const deadline = Date.now() + 120_000;
    for (;;) {
      const d = await api(cookie, 'GET', '/api/v1/clusters/bench/directors');
      if (d.directors[0]?.state === 'applied') break;
      if (Date.now() > deadline) throw new Error(`bench director did not apply: ${JSON.stringify(d.directors[0]?.state)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 5000));

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const [name, value] = cookie.split('=');
    await ctx.addCookies([{ name: name!, value: value!, url: BASE }]);
    const page = await ctx.newPage();
    // warm the route once (first compile of server chunks is not what a user sees twice)
    await page.goto(`${BASE}/clusters/bench`);
    await page.getByTestId('services-count').filter({ hasText: `${SERVICES} services` }).waitFor({ timeout: 60_000 });

    const loads: number[] = [];
    const firsts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await page.goto(`${BASE}/clusters/bench`);
      await page.getByTestId('service-row').first().waitFor({ timeout: 60_000 });
      firsts.push(performance.now() - start);
      // every row in the DOM, not just the first screenful
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="service-row"]').length === n, SERVICES, { timeout: 60_000, polling: 'raf' });
      loads.push(performance.now() - start);
    }

    // responsiveness while live data flows: long tasks over 10 s, and search latency
    await page.evaluate(() => {
      (window as unknown as { __long: number[] }).__long = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) (window as unknown as { __long: number[] }).__long.push(e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    await page.waitForTimeout(10_000);
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    const search: number[] = [];
    for (const q of ['198.51.101.7', '10.22.', 'wrr']) {
      await page.getByLabel('Search services').fill('');
      await page.getByTestId('services-count').filter({ hasText: `${SERVICES} services` }).waitFor();
      const start = performance.now();
      await page.getByLabel('Search services').fill(q);
      await page.getByTestId('services-count').filter({ hasText: ' of ' }).waitFor();
      search.push(performance.now() - start);
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    console.log(`cluster with ${SERVICES} services × 3 real servers (created over the API in ${ms(createMs)})`);
    console.log(`  cluster page, navigation → all ${SERVICES} rows in the DOM:  median ${ms(median(loads))}  (runs: ${loads.map(ms).join(', ')})  target < 1500 ms`);
    console.log(`  cluster page, navigation → first rows painted:  median ${ms(median(firsts))}  (runs: ${firsts.map(ms).join(', ')})`);
    console.log(`  live updates for 10 s: ${long.length} long tasks (> 50 ms), longest ${ms(Math.max(0, ...long))}, total ${ms(long.reduce((a, b) => a + b, 0))}`);
    console.log(`  search box → filtered table: median ${ms(median(search))}  (${search.map(ms).join(', ')})`);
  } finally {
    await browser.close();
    for (const c of children.reverse()) c.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
