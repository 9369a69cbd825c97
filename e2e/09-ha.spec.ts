// HA in the demo: sim-1 holds the VIPs on the simulated VRRP segment and sim-2 is its backup; the
// demo's failover button moves them to sim-2 (the owner changes, the timeline shows the failover
// with its VRRP cause), and a second press brings them back (a failback, warned about because the
// demo's directors run no sync daemon). Outside the demo cluster the action is refused.
import { expect, test } from '@playwright/test';
import { ADMIN, CLUSTER, apiAs, signIn } from './helpers';

const VIP = '192.0.2.10';
const HA = `/clusters/${CLUSTER}/ha`;

test('a demo failover moves the VIP owner and appears on the timeline; the failback warns', async ({ page }) => {
  await signIn(page, undefined, HA);
  await page.goto(HA);
  const row = page.getByTestId(`ha-vip-${VIP}`);
  await expect(row).toHaveAttribute('data-state', 'owned', { timeout: 45_000 });
  await expect(row.getByTestId('ha-vip-owner')).toHaveText('sim-1');

  await page.getByTestId('demo-failover').click();
  await expect(row.getByTestId('ha-vip-owner')).toHaveText('sim-2', { timeout: 20_000 });
  const failover = page.locator(`[data-testid="ha-failover"][data-vip="${VIP}"][data-from="sim-1"][data-to="sim-2"]`);
  await expect(failover).toBeVisible();
  await expect(failover).toContainText('VRRP VI_demo: sim-2 became MASTER');
  await expect(failover).toContainText('demo failover requested by admin');

  const api = await apiAs(ADMIN);
  const { failovers } = await (await api.get(`/api/v1/clusters/${CLUSTER}/ha/failovers?vip=${VIP}`)).json();
  expect(failovers[0]).toMatchObject({ vip: VIP, from: 'sim-1', to: 'sim-2', failback: false });

  await page.getByTestId('demo-failover').click();
  await expect(row.getByTestId('ha-vip-owner')).toHaveText('sim-1', { timeout: 20_000 });
  const failback = page.locator(`[data-testid="ha-failover"][data-vip="${VIP}"][data-from="sim-2"][data-to="sim-1"]`);
  await expect(failback).toContainText('failback');
  await expect(failback.getByTestId('ha-failback-warning')).toContainText('sim-1 runs no backup sync daemon');

  // the director's facts show the VIPs it carries
  await page.goto(`/clusters/${CLUSTER}/directors/sim-1`);
  await expect(page.getByTestId('ha-facts-vips')).toContainText(VIP);
});

test('the demo failover is refused outside the demo cluster', async () => {
  const api = await apiAs(ADMIN);
  const name = `ha-e2e-${Date.now().toString(36)}`;
  expect((await api.post('/api/v1/clusters', { data: { name } })).status()).toBe(201);
  const r = await api.post(`/api/v1/clusters/${name}/ha/demo-failover`);
  expect(r.status()).toBe(409);
  expect((await r.json()).error).toContain('exists only in the demo');
});
