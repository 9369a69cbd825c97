// Shared steps for the end-to-end flows: sign-in, API calls with a session, screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { expect, request, type APIRequestContext, type Page } from '@playwright/test';
import { E2E_ADMIN_PASSWORD, E2E_PORT } from '../playwright.config';

export const BASE = `http://127.0.0.1:${E2E_PORT}`;
export const ADMIN = { username: 'admin', password: E2E_ADMIN_PASSWORD };
export const CLUSTER = 'demo';
export const DIRECTOR = 'sim-1';

const SHOTS = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');

/** Full-page screenshot under test-results/screens/<name>.png. */
export async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  // let charts and fonts settle: wait for no request in flight for a moment
  await page.waitForLoadState('domcontentloaded');
  await page.waitForTimeout(300);
  // sticky header: from the top, so a full-page capture does not paint it mid-page
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page: Page, user = ADMIN, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toContainText(user.username);
}

/** An API client signed in with a session cookie (mutations carry Origin, as a browser's do). */
export async function apiAs(user: { username: string; password: string }): Promise<APIRequestContext> {
  const ctx = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { origin: BASE } });
  const r = await ctx.post('/api/v1/auth/login', { data: user });
  expect(r.status(), await r.text()).toBe(200);
  return ctx;
}

export async function currentRevision(api: APIRequestContext): Promise<number> {
  const r = await api.get(`/api/v1/clusters/${CLUSTER}`);
  expect(r.ok()).toBe(true);
  return (await r.json()).currentRevision.number as number;
}

/** Wait until the rollout view shows the director applied. */
export async function expectRolledOut(page: Page, director = DIRECTOR) {
  await expect(page.getByTestId('rollout')).toBeVisible();
  await expect(page.getByTestId(`rollout-${director}`)).toHaveAttribute('data-phase', 'applied', { timeout: 30_000 });
}

/** The demo's web service page (the service the flows edit). */
export const WEB_SERVICE_PAGE = `/clusters/${CLUSTER}/services/${encodeURIComponent('tcp|192.0.2.10|80')}`;

/** On a service page: set the first real server's weight to `to` (or `to - 1` when it is `to` already), then open Review & apply. */
export async function changeWeightAndReview(page: Page, to: number): Promise<void> {
  const weight = page.getByLabel(/^weight of /).first();
  const w = Number(await weight.inputValue());
  await weight.fill(String(w === to ? to - 1 : to));
  await page.getByRole('button', { name: 'Review & apply' }).click();
  await expect(page).toHaveURL(/\/review$/);
}

/** Type the message and apply on the Review & apply page; returns the new revision number. */
export async function applyReview(page: Page, message: string): Promise<number> {
  await page.getByLabel('Message').fill(message);
  const apply = page.getByTestId('apply');
  await expect(apply).toBeEnabled();
  await apply.click();
  await page.waitForURL(/\?rollout=\d+/);
  return Number(new URL(page.url()).searchParams.get('rollout'));
}
