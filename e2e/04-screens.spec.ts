// A screenshot of every main page at 1280 px (test-results/screens/), each checked for the
// basics a reviewer looks at: no text overflowing its box, charts with axes and units.
import { expect, test, type Page } from '@playwright/test';
import { CLUSTER, DIRECTOR, shot, signIn } from './helpers';

/** The live chart has data (its "now" readout shows a number). */
async function live(page: Page) {
  await expect(page.getByTestId('chart-status')).toHaveText(/live/, { timeout: 20_000 });
  await expect(page.getByTestId('now-cps')).not.toHaveAttribute('data-value', '', { timeout: 20_000 });
}

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

const pages: [string, string, (p: Page) => Promise<void>][] = [
  ['10-overview', '/', async (p) => void (await expect(p.getByTestId('clusters-table')).toBeVisible())],
  ['11-cluster', `/clusters/${CLUSTER}`, async (p) => {
    await expect(p.getByTestId('services-table')).toBeVisible();
    await live(p);
    await p.getByRole('button', { name: 'Expand all' }).click();
    await expect(p.getByTestId('rs-line').first()).toBeVisible();
    // per-real-server numbers arrive (ActiveConn column of the first real server)
    await expect(p.getByTestId('rs-line').first().locator('td').nth(5)).toHaveText(/^\d/, { timeout: 15_000 });
  }],
  ['12-service', `/clusters/${CLUSTER}/services/${encodeURIComponent('tcp|192.0.2.10|80')}`, async (p) => {
    await expect(p.getByTestId('service-title')).toBeVisible();
    await live(p);
  }],
  ['13-directors', `/clusters/${CLUSTER}/directors`, async (p) => void (await expect(p.getByTestId('directors-table')).toBeVisible())],
  ['14-director', `/clusters/${CLUSTER}/directors/${DIRECTOR}`, async (p) => void (await expect(p.getByTestId('actual-rules')).toBeVisible())],
  ['15-connections', `/clusters/${CLUSTER}/directors/${DIRECTOR}/connections`, async (p) => void (await expect(p.getByTestId('connections-table')).toBeVisible())],
  ['16-history', `/clusters/${CLUSTER}/history`, async (p) => void (await expect(p.getByTestId('revisions-table')).toBeVisible())],
  ['17-import-export', `/clusters/${CLUSTER}/import`, async (p) => void (await expect(p.getByTestId('import-text')).toBeVisible())],
  ['18-audit', '/audit', async (p) => void (await expect(p.getByTestId('audit-table')).toBeVisible())],
  ['19-users', '/admin/users', async (p) => void (await expect(p.getByTestId('users-table')).toBeVisible())],
  ['20-tokens', '/tokens', async (p) => void (await expect(p.getByRole('heading', { name: 'API tokens' })).toBeVisible())],
];

test.describe.configure({ mode: 'serial' });

test('every main page renders, without overflowing text', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  for (const [name, url, ready] of pages) {
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
