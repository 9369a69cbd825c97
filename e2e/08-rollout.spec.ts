// A staged rollout over the demo's two simulated directors, chosen on the Review & apply screen:
// the canary (sim-1) applies first, its gates pass, then sim-2 applies. A second change aborted
// mid-rollout leaves sim-2 on the old revision and offers a rollback, which reaches sim-1 only.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN, CLUSTER, apiAs, applyReview, changeWeightAndReview, signIn, WEB_SERVICE_PAGE } from './helpers';

const SERVICE = WEB_SERVICE_PAGE;

async function director(api: APIRequestContext, name: string): Promise<{ appliedRevision: number | null; desiredRevision: number | null; state: string }> {
  const r = await api.get(`/api/v1/clusters/${CLUSTER}/directors/${name}`);
  expect(r.ok()).toBe(true);
  return r.json();
}

/** Change the first real server's weight and apply it as a canary with this soak time. */
async function applyCanary(page: Page, soakSeconds: number, message: string): Promise<number> {
  await page.goto(SERVICE);
  await changeWeightAndReview(page, 9);
  await page.getByTestId('rollout-mode').selectOption('canary');
  await page.getByTestId('rollout-canary').fill('1');
  await page.getByTestId('rollout-soakSeconds').fill(String(soakSeconds));
  await page.getByTestId('rollout-batch').fill('1');
  return applyReview(page, message);
}

test('canary over sim-1 then sim-2; an abort keeps sim-2 on the old revision and rolls back', async ({ page }) => {
  // two staged rollouts and a rollback, each gate soaking and measuring for seconds, on shared cores
  test.setTimeout(300_000);
  const api = await apiAs(ADMIN);
  // both demo directors run the current revision before we start
  await expect.poll(async () => [(await director(api, 'sim-1')).state, (await director(api, 'sim-2')).state], { timeout: 60_000 }).toEqual(['applied', 'applied']);
  await signIn(page, undefined, SERVICE);

  const first = await applyCanary(page, 2, 'e2e: canary over both directors');
  const view = page.getByTestId('staged-rollout');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('rollout-step-1')).toContainText('sim-1');
  await expect(page.getByTestId('rollout-step-2')).toContainText('sim-2');
  // step 1: the canary applies; its gates pass; then step 2 applies
  await expect(page.getByTestId('rollout-step-1').getByTestId('step-director-sim-1')).toHaveAttribute('data-phase', 'applied', { timeout: 30_000 });
  await expect(page.getByTestId('rollout-step-1')).toHaveAttribute('data-status', 'passed', { timeout: 45_000 });
  for (const gate of ['ack', 'nack', 'health', 'soak', 'rate']) await expect(page.getByTestId('rollout-step-1').getByTestId(`gate-${gate}`)).toHaveAttribute('data-status', 'pass');
  await expect(page.getByTestId('rollout-step-2').getByTestId('step-director-sim-2')).toHaveAttribute('data-phase', 'applied', { timeout: 30_000 });
  await expect(view).toHaveAttribute('data-state', 'done', { timeout: 45_000 });
  expect((await director(api, 'sim-2')).appliedRevision).toBe(first);

  // a second change with a long soak: abort while the canary soaks
  const second = await applyCanary(page, 600, 'e2e: canary to abort');
  expect(second).toBe(first + 1);
  await expect(page.getByTestId('rollout-step-1').getByTestId('step-director-sim-1')).toHaveAttribute('data-phase', 'applied', { timeout: 30_000 });
  await expect(page.getByTestId('rollout-step-1').getByTestId('gate-soak')).toHaveAttribute('data-status', 'pending');
  await page.getByTestId('rollout-abort').click();
  await expect(page.getByTestId('staged-rollout')).toHaveAttribute('data-state', 'aborted');
  const sim2 = await director(api, 'sim-2');
  expect([sim2.appliedRevision, sim2.desiredRevision]).toEqual([first, first]);

  // the rollback: a new revision equal to the previous one, for the canary that took the new one
  const rollback = page.getByTestId('rollout-rollback');
  await expect(rollback).toHaveText(`Roll back to r${first}`);
  await rollback.click();
  await page.waitForURL(new RegExp(`\\?rollout=${second + 1}$`));
  await expect(page.getByTestId('staged-rollout')).toHaveAttribute('data-state', 'done', { timeout: 45_000 });
  await expect.poll(async () => (await director(api, 'sim-1')).appliedRevision, { timeout: 30_000 }).toBe(second + 1);
  const hash = async (n: number) => (await (await api.get(`/api/v1/clusters/${CLUSTER}/revisions/${n}`)).json()).hash as string;
  expect(await hash(second + 1)).toBe(await hash(first));
  await api.dispose();
});
