// The main pages of the console, each with what "ready" means on it: the screenshot test and the
// accessibility test walk the same list.
import { expect, type Page } from '@playwright/test';
import { CLUSTER, DIRECTOR } from './helpers';

/** The live chart has data (its "now" readout shows a number). */
export async function live(page: Page) {
  await expect(page.getByTestId('chart-status')).toHaveText(/live/, { timeout: 20_000 });
  await expect(page.getByTestId('now-cps')).not.toHaveAttribute('data-value', '', { timeout: 20_000 });
}

export const MAIN_PAGES: [string, string, (p: Page) => Promise<void>][] = [
  ['10-overview', '/', async (p) => void (await expect(p.getByTestId('clusters-table')).toBeVisible())],
  [
    '11-cluster',
    `/clusters/${CLUSTER}`,
    async (p) => {
      await expect(p.getByTestId('services-table')).toBeVisible();
      await live(p);
      await p.getByRole('button', { name: 'Expand all' }).click();
      await expect(p.getByTestId('rs-line').first()).toBeVisible();
      // per-real-server numbers arrive (ActiveConn column of the first real server)
      await expect(p.getByTestId('rs-line').first().locator('td').nth(5)).toHaveText(/^\d/, { timeout: 15_000 });
    },
  ],
  [
    '12-service',
    `/clusters/${CLUSTER}/services/${encodeURIComponent('tcp|192.0.2.10|80')}`,
    async (p) => {
      await expect(p.getByTestId('service-title')).toBeVisible();
      await live(p);
    },
  ],
  ['13-directors', `/clusters/${CLUSTER}/directors`, async (p) => void (await expect(p.getByTestId('directors-table')).toBeVisible())],
  ['14-director', `/clusters/${CLUSTER}/directors/${DIRECTOR}`, async (p) => void (await expect(p.getByTestId('actual-rules')).toBeVisible())],
  ['15-connections', `/clusters/${CLUSTER}/directors/${DIRECTOR}/connections`, async (p) => void (await expect(p.getByTestId('connections-table')).toBeVisible())],
  ['16-history', `/clusters/${CLUSTER}/history`, async (p) => void (await expect(p.getByTestId('revisions-table')).toBeVisible())],
  ['17-import-export', `/clusters/${CLUSTER}/import`, async (p) => void (await expect(p.getByTestId('import-text')).toBeVisible())],
  ['18-audit', '/audit', async (p) => void (await expect(p.getByTestId('audit-table')).toBeVisible())],
  ['19-users', '/admin/users', async (p) => void (await expect(p.getByTestId('users-table')).toBeVisible())],
  ['20-tokens', '/tokens', async (p) => void (await expect(p.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible())],
];
