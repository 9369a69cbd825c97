// A screenshot of every main page at 1280 px (test-results/screens/), each checked for the
// basics a reviewer looks at: no text overflowing its box, charts with axes and units.
import { expect, test, type Page } from '@playwright/test';
import { CLUSTER, shot, signIn } from './helpers';
import { MAIN_PAGES } from './main-pages';

/** Elements whose text is wider than their box (clipped or spilling over a neighbour). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('h1, h2, h3, th, label, .badge, .btn, dt, dd'))) {
      const cs = getComputedStyle(el);
      if (cs.overflow === 'hidden' && cs.textOverflow === 'ellipsis') continue; // deliberate ellipsis
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.push(`${el.tagName.toLowerCase()}: ${el.textContent?.slice(0, 60)}`);
    }
    return out;
  });
}

test.describe.configure({ mode: 'serial' });

test('every main page renders, without overflowing text', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  for (const [name, url, ready] of MAIN_PAGES) {
    await test.step(name, async () => {
      await page.goto(url);
      await ready(page);
      expect(await overflowing(page), `${url}: text wider than its box`).toEqual([]);
      await shot(page, name);
    });
  }
});

test('charts have axes with ticks, a unit and a legend', async ({ page }) => {
  await signIn(page, undefined, `/clusters/${CLUSTER}`);
  await page.goto(`/clusters/${CLUSTER}/services/${encodeURIComponent('tcp|192.0.2.10|80')}`);
  const chart = page.getByTestId('stats-chart');
  await expect(chart.locator('.recharts-line').first()).toBeVisible({ timeout: 15_000 });
  // time on x (hh:mm:ss for the live range), numbers with K/M/G on y
  await expect(chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').first()).toHaveText(/^\d\d:\d\d:\d\d$/);
  await expect(chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').first()).toHaveText(/^\d+(\.\d+)?[KMGT]?$/);
  await expect(chart).toContainText('conn/s');
  await expect(chart.locator('.recharts-legend-item')).not.toHaveCount(0);
  // per real server: one legend entry each
  await page.getByRole('button', { name: 'Per real server' }).click();
  await expect(chart.locator('.recharts-legend-item')).toHaveCount(3);
  await page.getByRole('button', { name: 'Traffic' }).click();
  await expect(chart).toContainText('bit/s');
  await shot(page, '21-chart-per-server');
});
