// Admin pages: create a user through the form, mint an API token whose secret is shown once and
// works with exactly its role, revoke it and see it refused.
import { expect, request, test } from '@playwright/test';
import { BASE, CLUSTER, signIn } from './helpers';

test('users: an admin creates an operator; bad input is named at the field', async ({ page }) => {
  await signIn(page, undefined, '/admin/users');
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog');
  const name = `ops-${Date.now().toString(36)}`;
  await dialog.getByLabel('Username').fill(name);
  await dialog.getByLabel('Password').fill('short');
  await dialog.getByLabel('Role').selectOption('operator');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByText(/at least 12 characters/).first()).toBeVisible();
  await dialog.getByLabel('Password').fill('operator-password-12345');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('users-table')).toContainText(name);
  await expect(page.getByLabel(`role of ${name}`)).toHaveValue('operator');
});

test('API tokens: the secret is shown once, carries its role, and stops working when revoked', async ({ page }) => {
  await signIn(page, undefined, '/tokens');
  await page.goto('/tokens');
  await page.getByRole('button', { name: 'New token' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('e2e-readonly');
  await dialog.getByLabel('Role').selectOption('viewer');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const secret = (await dialog.getByTestId('api-token-secret').innerText()).trim();
  expect(secret.length).toBeGreaterThan(20);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('tokens-table')).toContainText('e2e-readonly');
  await expect(page.getByTestId('tokens-table')).not.toContainText(secret);

  const bearer = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
  expect((await bearer.get(`/api/v1/clusters/${CLUSTER}`)).status()).toBe(200);
  expect((await bearer.post(`/api/v1/clusters/${CLUSTER}/directors`, { data: { name: 'nope' } })).status()).toBe(403);

  const row = page.getByTestId('tokens-table').getByRole('row', { name: /e2e-readonly/ });
  await row.getByRole('button', { name: 'Revoke…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  expect((await bearer.get(`/api/v1/clusters/${CLUSTER}`)).status()).toBe(401);
  await bearer.dispose();
});

test('directors: register shows the token once and the exact agent command; revoke', async ({ page }) => {
  await signIn(page, undefined, `/clusters/${CLUSTER}/directors`);
  await page.goto(`/clusters/${CLUSTER}/directors`);
  await page.getByRole('button', { name: 'Register director' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('bad name!');
  await dialog.getByRole('button', { name: 'Register' }).click();
  await expect(dialog.getByText(/director name must be/)).toBeVisible();
  await dialog.getByLabel('Name').fill('lvs-b');
  await dialog.getByRole('button', { name: 'Register' }).click();
  const token = (await dialog.getByTestId('director-token').innerText()).trim();
  const command = await dialog.getByTestId('agent-command').innerText();
  expect(command).toContain('lvs-agent run');
  expect(command).toMatch(/--server \S+/);
  expect(command).toMatch(/--token-file \S+/);
  expect(command).toContain(token); // the line that writes the token file
  await dialog.getByRole('button', { name: 'I have saved it' }).click();
  const row = page.getByTestId('director-lvs-b');
  await expect(row).toContainText('never connected');
  await expect(page.getByTestId('directors-table')).not.toContainText(token);

  await row.getByRole('link', { name: 'lvs-b' }).click();
  await page.getByRole('button', { name: 'Revoke token…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('director-state-lvs-b').first()).toHaveAttribute('data-state', 'revoked');
  // its token no longer opens the agent stream
  const r = await fetch(`${BASE}/api/v1/agent/stream`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(401);
});
