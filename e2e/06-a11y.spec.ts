// axe-core over every main page (dark theme, as admins see it): no serious or critical violation.
// axe is injected from node_modules, so the test needs no network and checks what is rendered.
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import { CLUSTER, signIn } from './helpers';
import { MAIN_PAGES } from './main-pages';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

const EXTRA: [string, string, (p: Page) => Promise<void>][] = [
  ['settings', `/clusters/${CLUSTER}/settings`, async (p) => void (await expect(p.getByRole('heading', { name: 'Cluster' }).first()).toBeVisible())],
  ['review (nothing pending)', `/clusters/${CLUSTER}/review`, async (p) => void (await expect(p.getByText('No pending changes')).toBeVisible())],
  ['new service', `/clusters/${CLUSTER}/services/new`, async (p) => void (await expect(p.getByLabel('Virtual IP')).toBeVisible())],
];

test('no serious or critical accessibility violation on the main pages', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  for (const [name, url, ready] of [...MAIN_PAGES, ...EXTRA]) {
    await test.step(name, async () => {
      await page.goto(url);
      await ready(page);
      const bad = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        bad.map(
          (v) =>
            `${v.impact} ${v.id}: ${v.help} — ${v.nodes
              .slice(0, 5)
              .map((n) => n.target.join(' '))
              .join(', ')}`,
        ),
        url,
      ).toEqual([]);
    });
  }
});
