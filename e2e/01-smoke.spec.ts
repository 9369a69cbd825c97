// The first thing to break when anything breaks: the app serves, sign-in works, the home page renders.
import { expect, test } from '@playwright/test';
import { CLUSTER, shot, signIn } from './helpers';

test('home page redirects to sign-in, then lists the demo cluster', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await shot(page, '00-sign-in');

  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('current-role')).toHaveText('admin');
  const table = page.getByTestId('clusters-table');
  await expect(table.getByRole('link', { name: CLUSTER })).toBeVisible();
  await shot(page, '01-clusters');
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('definitely-not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toContainText(/wrong username or password|too many/i);
  await expect(page).toHaveURL(/\/login/);
});
