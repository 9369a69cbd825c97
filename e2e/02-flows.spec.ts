// The admin's day, in order, against the started app and its simulated director: create a service,
// review the ipvsadm commands, apply, watch it go live; drain a real server; change a scheduler;
// diff and roll back; import with a mistake, fix it, import.
import { expect, test, type Page } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { ADMIN, CLUSTER, DIRECTOR, apiAs, applyReview, currentRevision, expectRolledOut, shot, signIn } from './helpers';
import { tarOf } from '../test/tar';

const VIP = '192.0.2.80';
const SERVICE_KEY = `tcp|${VIP}|80`;
const SERVICE_URL = `/clusters/${CLUSTER}/services/${encodeURIComponent(SERVICE_KEY)}`;
const SERVERS = ['10.0.9.1', '10.0.9.2', '10.0.9.3'];

test.describe.configure({ mode: 'serial' });

let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await signIn(page);
});
test.afterAll(async () => {
  await page.close();
});

/** Lines of the plan preview for the director, as rendered. */
async function planLines(p: Page): Promise<string[]> {
  const text = await p.getByTestId(`plan-${DIRECTOR}`).getByTestId('plan-commands').innerText();
  return text
    .split('\n')
    .map((l) => l.replace(/^#\s*/, '').trim())
    .filter(Boolean);
}

test('create a service with three real servers, review the ipvsadm commands, apply, see traffic', async () => {
  await page.goto(`/clusters/${CLUSTER}/services/new`);
  await page.getByLabel('Virtual IP').fill(VIP);
  await page.getByLabel('Port', { exact: true }).fill('80');
  await page.getByLabel('Scheduler (-s)').selectOption('wrr');
  await expect(page.getByTestId('scheduler-help')).toContainText('in proportion to weight');
  await page.getByRole('button', { name: '+ Add real server' }).click();
  await page.getByRole('button', { name: '+ Add real server' }).click();
  for (const [i, addr] of SERVERS.entries()) {
    await page.getByLabel(`real server ${i + 1} address`).fill(addr);
    await page.getByLabel(`weight of ${addr}`).fill(String(i + 1));
  }
  // a bad value is named at its field before anything is sent
  await page.getByLabel(`weight of ${SERVERS[1]}`).fill('lots');
  await page.getByRole('button', { name: 'Review & apply' }).click();
  await expect(page.getByLabel(`weight of ${SERVERS[1]}`)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('weight must be a whole number').first()).toBeVisible();
  await expect(page).toHaveURL(/\/services\/new$/);
  await page.getByLabel(`weight of ${SERVERS[1]}`).fill('2');
  await shot(page, '03-service-editor');
  await page.getByRole('button', { name: 'Review & apply' }).click();

  await expect(page).toHaveURL(/\/review$/);
  await expect(page.getByTestId('change-list')).toContainText(`TCP ${VIP}:80`);
  const lines = await planLines(page);
  expect(lines.filter((l) => new RegExp(`^ipvsadm -A -t ${VIP}:80 -s wrr`).test(l))).toHaveLength(1);
  for (const [i, addr] of SERVERS.entries()) expect(lines).toContain(`ipvsadm -a -t ${VIP}:80 -r ${addr}:80 -g -w ${i + 1}`);
  await expect(page.getByTestId('rules-diff')).toContainText(`-A -t ${VIP}:80 -s wrr`);
  await shot(page, '04-review');

  const rev = await applyReview(page, 'e2e: new web VIP with three servers');
  await expectRolledOut(page);
  await shot(page, '05-rollout');

  // the director reports the revision applied
  await page.goto(`/clusters/${CLUSTER}/directors`);
  await expect(page.getByTestId(`director-${DIRECTOR}`).getByTestId('applied-revision')).toContainText(`r${rev} / r${rev}`);

  // and the live chart shows the new service taking connections within 10 s
  await page.goto(SERVICE_URL);
  await expect(page.getByTestId('chart-status')).toHaveText(/live/, { timeout: 10_000 });
  await expect.poll(async () => Number((await page.getByTestId('now-cps').getAttribute('data-value')) || 0), { timeout: 10_000, intervals: [500] }).toBeGreaterThan(0);
  await expect(page.getByTestId('stats-chart').locator('.recharts-line').first()).toBeVisible();
  await shot(page, '06-service-live');
});

test('weight 0 and drain: progress reaches zero and the real server is removed', async () => {
  // inactive connections (FIN_WAIT / TIME_WAIT) hold a drain too: about two minutes after the last active one
  test.setTimeout(330_000);
  const drained = SERVERS[2]!;
  await page.goto(SERVICE_URL);
  const row = page.getByTestId('rs-row-2');
  await expect(row.getByLabel(`real server 3 address`)).toHaveValue(drained);
  await row.getByRole('button', { name: 'Drain' }).click();
  await expect(page.getByLabel(`drain timeout of ${drained}`)).toHaveValue('300');
  await page.getByRole('button', { name: 'Review & apply' }).click();
  await expect(page.getByTestId('change-list')).toContainText('drain server');
  // draining starts as a weight change: -e with weight 0, not a delete
  const lines = await planLines(page);
  expect(lines).toEqual([`ipvsadm -e -t ${VIP}:80 -r ${drained}:80 -g -w 0`]);
  await applyReview(page, 'e2e: drain 10.0.9.3');
  await expectRolledOut(page);

  await page.goto(SERVICE_URL);
  const progress = page.getByTestId('drains').getByTestId('drain-progress').first();
  await expect(progress).toBeVisible({ timeout: 20_000 });
  await page.waitForTimeout(3000);
  await shot(page, '07-draining');
  // watch the connections left fall; when they reach zero the agent deletes the server, and once
  // every director says so a system revision removes it from the desired config
  const api = await apiAs(ADMIN);
  const seen: number[] = [];
  let deadline = Infinity;
  let removedAt = 0;
  await expect
    .poll(
      async () => {
        if (await progress.isVisible()) {
          const left = Number(await progress.getAttribute('data-left'));
          if (!Number.isNaN(left)) seen.push(left);
        }
        const d = await (await api.get(`/api/v1/clusters/${CLUSTER}/directors/${DIRECTOR}`)).json();
        const report = (d.drains ?? []).find((x: { server: { address: string } }) => x.server.address === drained);
        if (report) deadline = Math.min(deadline, Date.parse(report.deadline));
        const inKernel = JSON.stringify(d.actual ?? {}).includes(`"${drained}"`);
        if (!inKernel && !removedAt) removedAt = Date.now();
        return inKernel ? `draining (${seen.at(-1) ?? '?'} left)` : 'removed';
      },
      { timeout: 300_000, intervals: [1000] },
    )
    .toBe('removed');
  // the connections fell (no new ones reach a weight-0 server) ...
  expect(seen.length).toBeGreaterThan(1);
  for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThanOrEqual(seen[i - 1]!);
  expect(seen.at(-1)!).toBeLessThan(seen[0]!);
  // ... and it was removed because they reached zero, well before its deadline
  expect(removedAt).toBeLessThan(deadline);
  await expect.poll(async () => JSON.stringify((await (await api.get(`/api/v1/clusters/${CLUSTER}`)).json()).config).includes(`"${drained}"`), { timeout: 30_000 }).toBe(false);
  await api.dispose();

  // the director page's live table agrees
  await page.goto(`/clusters/${CLUSTER}/directors/${DIRECTOR}`);
  const rules = page.getByTestId('actual-rules');
  await expect(rules).toContainText(`-a -t ${VIP}:80 -r ${SERVERS[0]}:80`);
  await expect(rules).not.toContainText(`-r ${drained}:80`);
});

test('editing the scheduler plans exactly one -E', async () => {
  await page.goto(SERVICE_URL);
  await page.getByLabel('Scheduler (-s)').selectOption('lc');
  await page.getByRole('button', { name: 'Review & apply' }).click();
  const lines = await planLines(page);
  expect(lines.filter((l) => / -E /.test(l))).toEqual([expect.stringMatching(new RegExp(`^ipvsadm -E -t ${VIP}:80 -s lc`))]);
  expect(lines).toHaveLength(1);
  await applyReview(page, 'e2e: least connection');
  await expectRolledOut(page);
});

test('history: diff two revisions, roll back, the director applies it', async () => {
  const api = await apiAs(ADMIN);
  const now = await currentRevision(api);
  await page.goto(`/clusters/${CLUSTER}/history`);
  await expect(page.getByTestId(`revision-${now}`)).toContainText('current');
  await page.getByLabel(`diff from r${now - 1}`).check();
  await page.getByLabel(`diff to r${now}`).check();
  const diff = page.getByTestId('history-diff');
  await expect(diff).toContainText(`r${now - 1} → r${now}`);
  await expect(page.getByTestId('rules-diff')).toContainText(`-s lc`);
  await expect(page.getByTestId('rules-diff')).toContainText(`-s wrr`);
  await shot(page, '08-history');

  await page
    .getByTestId(`revision-${now - 1}`)
    .getByRole('link', { name: `Roll back to r${now - 1}…` })
    .click();
  await expect(page).toHaveURL(/review\?rollback=/);
  const lines = await planLines(page);
  expect(lines.filter((l) => / -E /.test(l))).toEqual([expect.stringMatching(new RegExp(`^ipvsadm -E -t ${VIP}:80 -s wrr`))]);
  await page.getByTestId('apply').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
  await page.waitForURL(/\?rollout=\d+/);
  await expectRolledOut(page);
  const cfg = await (await api.get(`/api/v1/clusters/${CLUSTER}`)).json();
  const svc = cfg.config.services.find((s: { address?: string; port?: number }) => s.address === VIP && s.port === 80);
  expect(svc.scheduler).toBe('wrr');
  await api.dispose();
});

test('import: an error names its line; fixed, the import succeeds', async () => {
  const api = await apiAs(ADMIN);
  const rules = await (await api.get(`/api/v1/clusters/${CLUSTER}/export?format=rules`)).text();
  await api.dispose();
  const base = rules.endsWith('\n') ? rules : `${rules}\n`;
  const badLine = base.split('\n').length + 1; // after the current rules and one new -A line
  const bad = `${base}-A -t 192.0.2.90:443 -s rr\n-a -t 192.0.2.90:443 -r 10.0.8.1:443 -g -w lots\n`;

  await page.goto(`/clusters/${CLUSTER}/import`);
  await page.getByTestId('import-text').fill(bad);
  await page.getByTestId('import-preview').click();
  const errors = page.getByTestId('import-errors');
  await expect(errors).toContainText(`line ${badLine}`);
  await expect(page.locator(`[data-line="${badLine}"]`)).toBeVisible();
  await shot(page, '09-import-error');

  await page.getByTestId('import-text').fill(bad.replace('-w lots', '-w 5'));
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-plan')).toBeVisible();
  const lines = await planLines(page);
  expect(lines).toEqual([`ipvsadm -A -t 192.0.2.90:443 -s rr`, `ipvsadm -a -t 192.0.2.90:443 -r 10.0.8.1:443 -g -w 5`]);
  await page.getByTestId('import-apply').click();
  await page.waitForURL(/\?rollout=\d+/);
  await expectRolledOut(page);
});

test('import: an archive of /etc/keepalived is read as one; an error names the file inside it and its line', async () => {
  const tgz = async (web: string) =>
    gzipSync(
      await tarOf([
        { name: 'etc/keepalived/keepalived.conf', body: 'include conf.d/*.conf\n' },
        { name: 'etc/keepalived/conf.d/web.conf', body: web },
      ]),
    );
  const web = 'virtual_server 192.0.2.91 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.8.2 80 {\n    weight 2\n  }\n}\n';
  await page.goto(`/clusters/${CLUSTER}/import`);
  await page.getByRole('button', { name: 'keepalived.conf' }).click();
  await page.getByLabel('Archive of /etc/keepalived').setInputFiles({ name: 'lb1.tar.gz', mimeType: 'application/gzip', buffer: await tgz(web.replace('lb_algo rr', 'lb_algo nope')) });
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-errors')).toContainText('etc/keepalived/conf.d/web.conf:2');
  await page.getByLabel('Archive of /etc/keepalived').setInputFiles({ name: 'lb1.tar.gz', mimeType: 'application/gzip', buffer: await tgz(web) });
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-plan')).toContainText('Files read: etc/keepalived/keepalived.conf, etc/keepalived/conf.d/web.conf');
});
