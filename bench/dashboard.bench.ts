// The dashboard at fleet scale, side by side: a cluster of 10 services and one of 10,000 services
// × 3 real servers, each with its own simulated director sending live traffic, measured in
// Chromium on the same page (the cluster's services table + live chart):
//   - navigation → first service rows painted (median of 3)
//   - long tasks (> 50 ms) during 10 s of live updates: count and longest
//   - search box → filtered table (in-page, from the input event to the frame showing the count)
//   - the tab's JS heap after the live period (after a GC)
// printed with the ratio big/small and the goals of issue 16.
//
// Starts its own app (scripts/start.ts on LVS_BENCH_PORT, default 3200, a fresh SQLite file,
// LVS_SKIP_BUILD=1: run `next build` first) and one simulated director per cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.LVS_BENCH_PORT ?? 3200);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'bench-admin-password-1';
const SMALL = 10;
const BIG = Number(process.env.LVS_BENCH_SERVICES ?? 10_000);
const LIVE_MS = 10_000;

function benchConfig(services: number) {
  const out = [];
  for (let i = 0; i < services; i++) {
    const vip = `198.${18 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
    out.push({
      protocol: 'tcp',
      address: vip,
      port: 80,
      scheduler: i % 3 === 0 ? 'wrr' : 'wlc',
      ...(i % 5 === 0 ? { persistence: { timeout: 300 } } : {}),
      realServers: [1, 2, 3].map((k) => ({ address: `10.${20 + k}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`, forwarding: 'route', weight: k })),
    });
  }
  return { services: out };
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

type Figures = { firstPaint: number[]; longTasks: number[]; search: number[]; heapMB: number; numbers: boolean };

async function measure(browser: Browser, cookie: string, cluster: string, services: number): Promise<Figures> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const [name, value] = cookie.split('=');
  await ctx.addCookies([{ name: name!, value: value!, url: BASE }]);
  // tsx compiles this file with esbuild's keepNames, whose __name helper the page does not have
  await ctx.addInitScript({ content: 'window.__name = (f) => f;' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`  [${cluster}] page error: ${e.message}`));
  // an error boundary catches render errors (React #185 and the like): they reach only the console
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`  [${cluster}] console error: ${m.text().split('\n').slice(0, 3).join(' | ')}`);
  });
  const count = page.getByTestId('services-count');
  // warm the route once (the first compile of server chunks is not what a user sees twice)
  const t0 = performance.now();
  await page.goto(`${BASE}/clusters/${cluster}`, { waitUntil: 'commit', timeout: 120_000 });
  try {
    await count.filter({ hasText: `${services} services` }).waitFor({ timeout: 300_000 });
  } catch (e) {
    const shot = path.join(root, 'test-results', `bench-${cluster}.png`);
    await page.screenshot({ path: shot });
    throw new Error(`${cluster}: the table did not show ${services} services (screenshot ${shot}): ${(e as Error).message.split('\n')[0]}`);
  }
  console.log(`  [${cluster}] first load (cold): ${(performance.now() - t0).toFixed(0)} ms`);

  const firstPaint: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    // from the navigation to the first row: the page's `load` (every script and stream) is not the measure
    await page.goto(`${BASE}/clusters/${cluster}`, { waitUntil: 'commit', timeout: 120_000 });
    try {
      await page.getByTestId('service-row').first().waitFor({ timeout: 60_000 });
    } catch (e) {
      const shot = path.join(root, 'test-results', `bench-${cluster}-reload.png`);
      await page.screenshot({ path: shot, timeout: 10_000 }).catch(() => undefined);
      const rows = await page.evaluate(() => document.querySelectorAll('[data-testid="service-row"]').length).catch(() => -1);
      throw new Error(`${cluster}: no service row painted after navigation ${i + 1} (${rows} rows in the DOM; screenshot ${shot}): ${(e as Error).message.split('\n')[0]}`);
    }
    firstPaint.push(performance.now() - start);
  }
  await count.filter({ hasText: `${services} services` }).waitFor({ timeout: 120_000 });
  // numbers flowing before the clock starts (a 30,000-real-server director's first samples are
  // 10 MB each: on a loaded machine the console takes a while to take them in)
  const numbersFrom = performance.now();
  const numbers = await page
    .waitForFunction(() => /\d/.test(document.querySelector('[data-testid="service-row"] td:nth-child(9)')?.textContent ?? ''), undefined, { timeout: 180_000 })
    .then(() => true)
    .catch(() => false);
  const waited = ((performance.now() - numbersFrom) / 1000).toFixed(1);
  // measured either way, and said: without numbers the live period has table deltas to apply only if they come
  console.log(numbers ? `  [${cluster}] numbers in the table after ${waited} s more` : `  [${cluster}] NO numbers in the table after ${waited} s: the console did not take in the director's stats`);

  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await page.waitForTimeout(LIVE_MS);
  const longTasks = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);

  const cdp = await ctx.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };

  const search: number[] = [];
  for (const q of ['198.18.1.7', '10.21.3.', 'wrr', '198.18.0.2']) {
    search.push(await searchOnce(page, q));
    await searchOnce(page, '');
  }
  await ctx.close();
  return { firstPaint, longTasks, search, heapMB: heap.usedSize / 1024 / 1024, numbers };
}

/** Type a query (as the input event React listens to) and time it to the frame whose count changed. */
function searchOnce(page: Page, q: string): Promise<number> {
  return page.evaluate(async (query) => {
    const input = document.querySelector<HTMLInputElement>('input[aria-label="Search services"]')!;
    const count = document.querySelector('[data-testid="services-count"]')!;
    const before = count.textContent;
    if (input.value === query) return 0;
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    const t0 = performance.now();
    setValue.call(input, query);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise<void>((resolve, reject) => {
      const give = setTimeout(() => reject(new Error(`search ${query}: the count did not change`)), 30_000);
      const check = () => {
        if (count.textContent !== before) {
          clearTimeout(give);
          resolve();
        } else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    return performance.now() - t0;
  }, q);
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
    // its own process group: start.ts serves from a child (scripts/serve.ts) that must stop with it
    detached: true,
  });
  children.push(app);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await waitFor(`${BASE}/api/v1/health`, 120_000);
    const login = await fetch(`${BASE}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: BASE },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    if (!login.ok || !cookie) throw new Error(`sign-in failed: ${login.status}`);

    const clusters = [
      { name: 'bench-small', services: SMALL },
      { name: 'bench-big', services: BIG },
    ];
    for (const c of clusters) {
      await api(cookie, 'POST', '/api/v1/clusters', { name: c.name, description: `${c.services} services`, config: benchConfig(c.services) });
      const reg = await api(cookie, 'POST', `/api/v1/clusters/${c.name}/directors`, { name: `${c.name}-sim` });
      const tokenFile = path.join(root, 'data', `${c.name}-agent.token`);
      // a fresh console database each run: an agent state dir from an earlier run names a revision it never had
      fs.rmSync(path.join(root, 'data', `${c.name}-agent-state`), { recursive: true, force: true });
      fs.writeFileSync(tokenFile, `${reg.token}\n`, { mode: 0o600 });
      children.push(
        spawn(
          process.execPath,
          [
            path.join(root, 'agent', 'bin', 'lvs-agent.mjs'),
            'run',
            '--engine',
            'sim',
            '--sim-traffic',
            'demo',
            '--server',
            BASE,
            '--token-file',
            tokenFile,
            '--state-dir',
            path.join(root, 'data', `${c.name}-agent-state`),
          ],
          {
            cwd: root,
            stdio: ['ignore', 'ignore', 'ignore'],
          },
        ),
      );
    }
    // both directors applied their services and report stats
    const deadline = Date.now() + 300_000;
    for (const c of clusters) {
      for (;;) {
        const d = await api(cookie, 'GET', `/api/v1/clusters/${c.name}/directors`);
        if (d.directors[0]?.state === 'applied') break;
        if (Date.now() > deadline) throw new Error(`${c.name}: director did not apply: ${JSON.stringify(d.directors[0]?.state)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await new Promise((r) => setTimeout(r, 5000));

    const small = await measure(browser, cookie, 'bench-small', SMALL);
    const big = await measure(browser, cookie, 'bench-big', BIG);

    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
    const max = (a: number[]) => Math.max(0, ...a);
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    const ratio = (b: number, s: number) => (s > 0 ? `${(b / s).toFixed(2)}×` : '–');
    const rows: [string, string, string, string, string][] = [
      [
        'navigation → first rows painted (median of 3)',
        ms(median(small.firstPaint)),
        ms(median(big.firstPaint)),
        ratio(median(big.firstPaint), median(small.firstPaint)),
        `≤ 1.5× (${median(big.firstPaint) <= 1.5 * median(small.firstPaint) ? 'met' : 'NOT met'})`,
      ],
      [
        `long tasks in ${LIVE_MS / 1000} s of live updates${big.numbers ? '' : ' (NO numbers at the big size)'}`,
        `${small.longTasks.length}`,
        `${big.longTasks.length}`,
        ratio(big.longTasks.length, small.longTasks.length),
        '',
      ],
      ['  the longest', ms(max(small.longTasks)), ms(max(big.longTasks)), ratio(max(big.longTasks), max(small.longTasks)), `≤ 50 ms at ${BIG} (${max(big.longTasks) <= 50 ? 'met' : 'NOT met'})`],
      [
        'search → filtered table (median of 4)',
        ms(median(small.search)),
        ms(median(big.search)),
        ratio(median(big.search), median(small.search)),
        `< 100 ms at ${BIG} (${median(big.search) < 100 ? 'met' : 'NOT met'})`,
      ],
      ['JS heap after GC', `${small.heapMB.toFixed(1)} MB`, `${big.heapMB.toFixed(1)} MB`, ratio(big.heapMB, small.heapMB), `< 200 MB (${big.heapMB < 200 ? 'met' : 'NOT met'})`],
    ];
    const w = [48, 12, 14, 9];
    console.log(`services table with live traffic: ${SMALL} vs ${BIG} services × 3 real servers, one simulated director each`);
    console.log(
      `  machine: ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} (1/5/15 min) at the end of the run`,
    );
    console.log(`  ${'measure'.padEnd(w[0]!)}${`${SMALL} svc`.padStart(w[1]!)}${`${BIG} svc`.padStart(w[2]!)}${'big/small'.padStart(w[3]!)}  goal`);
    for (const r of rows) console.log(`  ${r[0].padEnd(w[0]!)}${r[1].padStart(w[1]!)}${r[2].padStart(w[2]!)}${r[3].padStart(w[3]!)}  ${r[4]}`);
    console.log(
      `  runs: first paint ${small.firstPaint.map(ms).join(', ')} | ${big.firstPaint.map(ms).join(', ')}; search ${small.search.map(ms).join(', ')} | ${big.search.map(ms).join(', ')}; long tasks at ${BIG}: ${big.longTasks.map(ms).join(', ') || 'none'}`,
    );
  } finally {
    await browser.close();
    for (const c of children.reverse()) {
      if (c === app && c.pid) {
        try {
          process.kill(-c.pid, 'SIGTERM');
        } catch {
          c.kill('SIGTERM');
        }
      } else c.kill('SIGTERM');
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
