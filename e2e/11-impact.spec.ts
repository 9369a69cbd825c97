// The impact preview in the Review: removing a real server that has live connections in the demo
// (the simulated director serves traffic) shows, before anything is applied, that the -d cuts them
// and how many; Apply stays disabled until the cut is confirmed, and the audit event records the
// confirmation and the predicted count.
import { expect, test } from '@playwright/test';
import { CLUSTER, DIRECTOR, apiAs, ADMIN, signIn } from './helpers';

const SERVICE = 'tcp|192.0.2.10|80';
const SERVER = '10.0.1.13';
const SERVER_KEY = `${SERVER}|8080`;

test('removing a busy real server: the Review counts the cut, Apply waits for the confirmation, the audit records it', async ({ page }) => {
  const api = await apiAs(ADMIN);
  // the simulated clients reach the server: wait for live connections on it
  await expect
    .poll(
      async () => {
        const r = await api.get(`/api/v1/clusters/${CLUSTER}/stats/current`);
        const v = (await r.json()).realServers?.[SERVICE]?.[SERVER_KEY] as number[] | undefined;
        return v ? v[0]! + v[1]! : 0;
      },
      { timeout: 30_000, intervals: [1000] },
    )
    .toBeGreaterThan(0);

  await signIn(page);
  await page.goto(`/clusters/${CLUSTER}/services/${encodeURIComponent(SERVICE)}`);
  await page.getByRole('button', { name: `remove ${SERVER} now` }).click();
  await page.getByRole('button', { name: 'Review & apply' }).click();
  await expect(page).toHaveURL(/\/review$/);

  // the plan's -d is marked with its count, and the side panel sums it
  const plan = page.getByTestId(`plan-${DIRECTOR}`);
  await expect(plan.getByTestId('plan-commands')).toContainText(`ipvsadm -d -t 192.0.2.10:80 -r ${SERVER}:8080`);
  await expect(plan.getByTestId('op-cuts')).toHaveText(/# cuts [1-9]\d* connections?/);
  const impact = page.getByTestId('impact-cuts');
  await expect(impact).toContainText(/Cuts [1-9]\d* live connections?/);
  // one line per director that has connections on it (the demo has two)
  await expect(impact.getByTestId('impact-cut').filter({ hasText: `${DIRECTOR}:` })).toContainText(`${DIRECTOR}: ipvsadm -d -t 192.0.2.10:80 -r ${SERVER}:8080`);

  await page.getByLabel('Message').fill('e2e: remove 10.0.1.13 at once');
  const apply = page.getByTestId('apply');
  await expect(apply).toBeDisabled();
  await page.getByTestId('confirm-cuts').check();
  await expect(apply).toBeEnabled();
  await apply.click();
  await page.waitForURL(/\?rollout=\d+/);
  const rev = Number(new URL(page.url()).searchParams.get('rollout'));

  // the audit event of that revision says it was confirmed, and how many connections were predicted
  const audit = await api.get('/api/v1/audit', { params: { action: 'revision.commit', cluster: CLUSTER } });
  const event = ((await audit.json()).events as { afterRevision: number; details: { impact?: { confirmed: boolean; predictedCuts: number; cuts: { command: string }[] } } }[]).find(
    (e) => e.afterRevision === rev,
  );
  expect(event?.details.impact?.confirmed).toBe(true);
  expect(event?.details.impact?.predictedCuts).toBeGreaterThan(0);
  expect(event?.details.impact?.cuts[0]?.command).toBe(`ipvsadm -d -t 192.0.2.10:80 -r ${SERVER}:8080`);
  await page.goto('/audit');
  await expect(page.getByTestId('audit-table')).toContainText('"confirmed":true');
  await api.dispose();
});
