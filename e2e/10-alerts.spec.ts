// Alerts end to end: an admin adds a webhook target pointed at a receiver this test runs on
// 127.0.0.1, presses "Send test" and sees it delivered in the log and received; then a director
// refuses a revision (the NACK report an agent sends) and that alert is delivered too. Health
// transitions an agent reports appear on the service's timeline with the probe's own error. A
// split brain (a connected director claiming the VIP sim-1 holds) is delivered to the receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { ADMIN, BASE, CLUSTER, apiAs, signIn } from './helpers';

let server: http.Server;
let receiverUrl = '';
const received: { path: string; body: Record<string, unknown> }[] = [];

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lvs-alerts`;
});
test.afterAll(async () => {
  // leave the demo cluster as the other specs expect it: no extra director, no webhook target
  const api = await apiAs(ADMIN);
  expect((await api.delete(`/api/v1/clusters/${CLUSTER}/directors/e2e-edge`)).status()).toBe(200);
  expect((await api.delete(`/api/v1/clusters/${CLUSTER}/alerts/targets/e2e-hook`)).status()).toBe(200);
  await api.dispose();
  await new Promise<void>((r) => server.close(() => r()));
});

test('a webhook target receives a test and a real NACK alert, both in the delivery log', async ({ page }) => {
  // three pages and an agent's reports on a machine shared with other builds
  test.setTimeout(240_000);
  await signIn(page, ADMIN, `/clusters/${CLUSTER}/settings`);
  await page.goto(`/clusters/${CLUSTER}/settings`);
  const form = page.getByRole('form', { name: 'New webhook target' });
  await form.getByLabel('Name').fill('e2e-hook');
  await form.getByLabel('URL').fill('ftp://127.0.0.1/nope');
  await form.getByRole('button', { name: 'Add target' }).click();
  await expect(form.getByText('must be an http:// or https:// URL')).toBeVisible();
  await form.getByLabel('URL').fill(receiverUrl);
  await form.getByRole('button', { name: 'Add target' }).click();
  const targets = page.getByTestId('alert-targets');
  await expect(targets).toContainText('e2e-hook');

  await page.getByRole('button', { name: 'Send test to e2e-hook' }).click();
  const log = page.getByTestId('alert-deliveries');
  await expect(log.locator('tr[data-kind="test"][data-status="delivered"]')).toHaveCount(1);
  await expect(log.locator('tr[data-kind="test"]')).toContainText('204');
  expect(received.filter((r) => r.body.kind === 'test')).toHaveLength(1);

  // a director refuses a revision: its agent's NACK report raises the alert
  const api = await apiAs(ADMIN);
  const reg = await api.post(`/api/v1/clusters/${CLUSTER}/directors`, { data: { name: 'e2e-edge' } });
  expect(reg.status(), await reg.text()).toBe(201);
  const token = (await reg.json()).token as string;
  const agent = { authorization: `Bearer ${token}` };
  const hello = await api.post(`${BASE}/api/v1/agent/report`, {
    headers: agent,
    data: {
      type: 'hello',
      capabilities: { agentVersion: '0.1.0', engine: 'sim', hostname: 'e2e-edge', kernel: '6.1.0', ipvsVersion: '1.2.1', ipvsadmVersion: null, connTableSize: 4096, schedulers: ['wrr'] },
      lastAppliedRevision: null,
    },
  });
  expect(hello.status(), await hello.text()).toBe(200);
  const nack = await api.post(`${BASE}/api/v1/agent/report`, {
    headers: agent,
    data: { type: 'nack', revision: 1, hash: 'h', failedOp: null, command: 'ipvsadm -A -t 192.0.2.10:80 -s nope', message: 'Scheduler not found: ip_vs_nope.ko', exitCode: 255, opsApplied: 0 },
  });
  expect(nack.status(), await nack.text()).toBe(200);
  await expect(log.locator('tr[data-kind="nack"][data-status="delivered"]')).toHaveCount(1);
  await expect(log.locator('tr[data-kind="nack"]')).toContainText('e2e-edge refused revision 1: Scheduler not found');
  await expect.poll(() => received.filter((r) => r.body.kind === 'nack').length).toBe(1);
  expect(received.find((r) => r.body.kind === 'nack')!.body).toMatchObject({ cluster: CLUSTER, subject: 'e2e-edge', details: { message: 'Scheduler not found: ip_vs_nope.ko' } });

  // health transitions the agent reports appear on the service's timeline, with the probe's error
  const service = { protocol: 'tcp', address: '192.0.2.10', port: 80 };
  const server2 = { address: '10.0.1.12', port: 8080 };
  const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
  const health = await api.post(`${BASE}/api/v1/agent/report`, {
    headers: agent,
    data: {
      type: 'health',
      states: [{ service, server: server2, healthy: true, reason: 'ok', since: at(30), lastCheck: at(1) }],
      transitions: [
        { service, server: server2, healthy: false, at: at(90), reason: '3 consecutive failed http checks: HTTP 503 (expected 200)', error: 'HTTP 503 (expected 200)' },
        { service, server: server2, healthy: true, at: at(30), reason: '2 consecutive good http checks: ok (3 ms)' },
      ],
    },
  });
  expect(health.status(), await health.text()).toBe(200);
  await page.goto(`/clusters/${CLUSTER}/services/${encodeURIComponent('tcp|192.0.2.10|80')}`);
  const timeline = page.getByTestId('service-timeline');
  // the service page opens its live streams first; on a loaded machine the timeline's first answer can take a while
  await expect(timeline.locator('li[data-kind="health"]')).toHaveCount(2, { timeout: 45_000 });
  await expect(timeline).toContainText('10.0.1.12|8080 on e2e-edge: failing — HTTP 503 (expected 200)');
  await expect(timeline.locator('li[data-kind="config"]').first()).toBeVisible();
  await api.dispose();
});

test('a split brain (a VIP on two connected directors) is delivered to the webhook receiver', async ({ page }) => {
  test.setTimeout(180_000);
  const api = await apiAs(ADMIN);
  const reg = await api.post(`/api/v1/clusters/${CLUSTER}/directors`, { data: { name: 'e2e-twin' } });
  expect(reg.status(), await reg.text()).toBe(201);
  const token = (await reg.json()).token as string;
  // an agent is connected while it holds its event stream open, as a real one does
  const stream = http.get(`${BASE}/api/v1/agent/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  stream.on('error', () => {});
  try {
    await expect.poll(async () => (await (await api.get(`/api/v1/clusters/${CLUSTER}/directors/e2e-twin`)).json()).connected, { timeout: 30_000 }).toBe(true);
    const ha = await api.post(`${BASE}/api/v1/agent/report`, {
      headers: { authorization: `Bearer ${token}` },
      data: { type: 'ha', ha: { vips: [{ address: '192.0.2.10', interface: 'eth0' }], addressSource: 'e2e', vrrp: null, syncDaemons: [], connections: 0, at: new Date().toISOString() } },
    });
    expect(ha.status(), await ha.text()).toBe(200);
    // after the grace a VRRP takeover is allowed, the alert is raised once and delivered
    await expect.poll(() => received.filter((r) => r.body.kind === 'split_brain').length, { timeout: 90_000 }).toBe(1);
    expect(JSON.stringify(received.find((r) => r.body.kind === 'split_brain')!.body)).toContain('e2e-twin');
    await signIn(page, ADMIN, `/clusters/${CLUSTER}/settings`);
    await expect(page.getByTestId('alert-deliveries').locator('tr[data-kind="split_brain"][data-status="delivered"]')).toHaveCount(1, { timeout: 30_000 });
  } finally {
    stream.destroy();
    expect((await api.delete(`/api/v1/clusters/${CLUSTER}/directors/e2e-twin`)).status()).toBe(200);
    await api.dispose();
  }
});
