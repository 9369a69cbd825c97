// Roles: a viewer sees every page but no edit control, and the API refuses their writes
// whatever the UI shows.
import { expect, test } from '@playwright/test';
import { ADMIN, CLUSTER, DIRECTOR, apiAs, currentRevision, signIn } from './helpers';

const VIEWER = { username: `viewer-${Date.now().toString(36)}`, password: 'viewer-password-123456' };

test.beforeAll(async () => {
  const admin = await apiAs(ADMIN);
  const r = await admin.post('/api/v1/users', { data: { ...VIEWER, role: 'viewer' } });
  expect(r.status(), await r.text()).toBe(201);
  await admin.dispose();
});

test('a viewer sees no edit controls', async ({ page }) => {
  await signIn(page, VIEWER);
  await expect(page.getByTestId('current-role')).toHaveText('viewer');
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'New cluster' })).toHaveCount(0);

  await page.goto(`/clusters/${CLUSTER}`);
  await expect(page.getByTestId('services-table')).toBeVisible();
  await expect(page.getByRole('link', { name: 'New service' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'View', exact: true }).first()).toBeVisible();

  await page.getByRole('link', { name: 'View', exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Real servers' })).toBeVisible();
  await expect(page.locator('form[aria-label="Virtual service"]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Review|Drain|Quiesce|Remove service/ })).toHaveCount(0);
  await expect(page.getByRole('textbox')).toHaveCount(0);

  await page.goto(`/clusters/${CLUSTER}/directors`);
  await expect(page.getByTestId('directors-table')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Register director' })).toHaveCount(0);
  await page.goto(`/clusters/${CLUSTER}/directors/${DIRECTOR}`);
  await expect(page.getByTestId('director-title')).toBeVisible();
  await expect(page.getByRole('button', { name: /Revoke|Rotate|Re-apply|Adopt/ })).toHaveCount(0);

  await page.goto(`/clusters/${CLUSTER}/history`);
  await expect(page.getByTestId('revisions-table')).toBeVisible();
  await expect(page.getByRole('link', { name: /Roll back/ })).toHaveCount(0);

  await page.goto(`/clusters/${CLUSTER}/import`);
  await expect(page.getByTestId('import-text')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'JSON' })).toBeVisible();

  await page.goto(`/clusters/${CLUSTER}/review`);
  await expect(page.getByTestId('apply')).toHaveCount(0);
});

test('the API refuses a viewer’s writes', async () => {
  const viewer = await apiAs(VIEWER);
  const base = await currentRevision(viewer);
  const change = await viewer.post(`/api/v1/clusters/${CLUSTER}/changes`, {
    data: { baseRevision: base, message: 'viewer tries', changes: [{ op: 'remove-service', service: { protocol: 'tcp', address: '192.0.2.10', port: 80 } }] },
  });
  expect(change.status()).toBe(403);
  const body = await change.json();
  expect(typeof body.error).toBe('string');
  expect(Array.isArray(body.issues)).toBe(true);
  expect((await viewer.post(`/api/v1/clusters/${CLUSTER}/directors`, { data: { name: 'sneaky' } })).status()).toBe(403);
  expect((await viewer.post(`/api/v1/clusters/${CLUSTER}/rollback`, { data: { toRevision: 1, baseRevision: base } })).status()).toBe(403);
  expect((await viewer.post('/api/v1/users', { data: { username: 'x-sneaky', password: 'x-sneaky-password-1', role: 'admin' } })).status()).toBe(403);
  // and nothing changed
  expect(await currentRevision(viewer)).toBe(base);
  await viewer.dispose();
});
