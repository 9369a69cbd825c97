// After Apply, every status badge of the director reads the same state at every moment: the
// cluster header's badge and the rollout step come from one client-side status store, fed by the
// stream, so one can never say "applied" while the other still says "pending".
import { expect, test, type Page } from '@playwright/test';
import { CLUSTER, DIRECTOR, applyReview, changeWeightAndReview, signIn, WEB_SERVICE_PAGE } from './helpers';

const SERVICE = WEB_SERVICE_PAGE;

/** The director's badges and rollout step, read in one go (one frame). */
async function snapshot(page: Page): Promise<{ badges: string[]; phase: string | null }> {
  return page.evaluate((name) => {
    const badges = Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="director-state-${name}"]`)).map((e) => e.dataset.state ?? '');
    const phase = document.querySelector<HTMLElement>(`[data-testid="rollout-${name}"]`)?.dataset.phase ?? null;
    return { badges, phase };
  }, DIRECTOR);
}

test('after Apply, every status badge of the director reads the same state', async ({ page }) => {
  await signIn(page, undefined, SERVICE);
  await page.goto(SERVICE);
  await changeWeightAndReview(page, 7);
  await applyReview(page, 'e2e: one status for every badge');

  // sample the page while the rollout runs: at no moment may two places disagree
  const seen = new Set<string>();
  const end = Date.now() + 8_000;
  let last = await snapshot(page);
  while (Date.now() < end) {
    last = await snapshot(page);
    if (last.phase !== null && last.badges.length) {
      seen.add(`${last.phase}/${last.badges.join(',')}`);
      expect(new Set(last.badges).size, `badges ${last.badges.join(', ')}`).toBe(1);
      const state = last.badges[0];
      if (last.phase === 'applied' || last.phase === 'pending') expect(state, `rollout step says ${last.phase}`).toBe(last.phase);
      if (last.phase === 'applied') break;
    }
    await page.waitForTimeout(50);
  }
  await expect(page.getByTestId(`rollout-${DIRECTOR}`)).toHaveAttribute('data-phase', 'applied', { timeout: 30_000 });
  await expect(page.getByTestId(`director-state-${DIRECTOR}`).first()).toHaveAttribute('data-state', 'applied');
  expect(seen.size).toBeGreaterThan(0);

  // the directors page: the header badge and the row badge agree too
  await page.goto(`/clusters/${CLUSTER}/directors`);
  await expect(page.getByTestId(`director-${DIRECTOR}`)).toBeVisible();
  const states = await page.getByTestId(`director-state-${DIRECTOR}`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.state));
  expect(states.length).toBeGreaterThanOrEqual(2);
  expect(new Set(states).size).toBe(1);
});
