// End-to-end tests in Chromium against the started app (`scripts/start.ts`: migrate, seed the demo
// cluster, build unless LVS_SKIP_BUILD=1, serve, and run the simulated director's agent).
// The system Chromium is used as is; browsers are never downloaded.
import { defineConfig } from '@playwright/test';

export const E2E_PORT = Number(process.env.LVS_E2E_PORT ?? 3100);
export const E2E_ADMIN_PASSWORD = process.env.LVS_E2E_ADMIN_PASSWORD ?? 'e2e-admin-pass-7f3a91';
const baseURL = `http://127.0.0.1:${E2E_PORT}`;

export default defineConfig({
  testDir: 'e2e',
  // Playwright empties its outputDir: keep it below test-results so other reports survive
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL,
    viewport: { width: 1280, height: 860 },
    colorScheme: 'dark',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'node node_modules/tsx/dist/cli.mjs scripts/start.ts',
    url: `${baseURL}/api/v1/health`,
    // a cold `next build` on two shared cores takes minutes
    timeout: 600_000,
    reuseExistingServer: process.env.LVS_E2E_REUSE === '1',
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: 'file:./data/e2e.db',
      LVS_FRESH_DB: '1',
      LVS_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      LVS_SKIP_BUILD: process.env.LVS_SKIP_BUILD ?? '',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
});
