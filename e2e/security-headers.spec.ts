// Issue 11 #12: every page answers with frame protection, nosniff, a Referrer-Policy and a CSP
// whose script nonce is fresh per request, and the app still works under that CSP: each page
// hydrates (the signed-in user shows) with no CSP violation reported by the browser. No HSTS
// over plain HTTP.
import { expect, test, type Page } from '@playwright/test';
import { BASE, CLUSTER, DIRECTOR, signIn } from './helpers';

const PAGES = [
  '/',
  '/tokens',
  '/audit',
  '/admin/users',
  `/clusters/${CLUSTER}`,
  `/clusters/${CLUSTER}/directors`,
  `/clusters/${CLUSTER}/directors/${DIRECTOR}`,
  `/clusters/${CLUSTER}/directors/${DIRECTOR}/connections`,
  `/clusters/${CLUSTER}/history`,
  `/clusters/${CLUSTER}/import`,
  `/clusters/${CLUSTER}/review`,
  `/clusters/${CLUSTER}/settings`,
  `/clusters/${CLUSTER}/services/new`,
];

type Seen = { violations: string[] };

/** Collect CSP violations the page reports (securitypolicyviolation events and console errors). */
async function watch(page: Page): Promise<Seen> {
  const seen: Seen = { violations: [] };
  await page.exposeFunction('__cspViolation', (v: string) => seen.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) seen.violations.push(m.text());
  });
  return seen;
}

function expectHeaders(headers: Record<string, string>, where: string) {
  expect(headers['x-frame-options'], where).toBe('DENY');
  expect(headers['x-content-type-options'], where).toBe('nosniff');
  expect(headers['referrer-policy'], where).toBe('same-origin');
  expect(headers['strict-transport-security'], `${where}: no HSTS over plain HTTP`).toBeUndefined();
  const csp = headers['content-security-policy'] ?? '';
  expect(csp, where).toContain("frame-ancestors 'none'");
  expect(csp, where).toContain("object-src 'none'");
  expect(csp, where).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'/);
  expect(csp, where).not.toMatch(/script-src[^;]*'unsafe-inline'/);
}

test('every page carries the security headers and works under its CSP', async ({ page }) => {
  const seen = await watch(page);
  const login = await page.goto('/login');
  expectHeaders(login!.headers(), '/login');
  await signIn(page);
  const nonces = new Set<string>();
  for (const path of PAGES) {
    const res = await page.goto(path);
    expect(res!.status(), path).toBeLessThan(400);
    const headers = res!.headers();
    expectHeaders(headers, path);
    nonces.add(/'nonce-([^']+)'/.exec(headers['content-security-policy']!)![1]!);
    // hydrated and talking to the API under the CSP
    await expect(page.getByTestId('current-user'), path).toContainText('admin');
    await page.waitForLoadState('networkidle').catch(() => undefined);
  }
  expect(nonces.size, 'a fresh nonce per request').toBe(PAGES.length);
  expect(seen.violations).toEqual([]);
});

test('API answers and static files carry the fixed headers; pages cannot be framed', async ({ page, request }) => {
  const api = await request.get('/api/v1/health');
  expect(api.headers()['x-frame-options']).toBe('DENY');
  expect(api.headers()['x-content-type-options']).toBe('nosniff');
  expect(api.headers()['content-security-policy']).toContain("default-src 'none'");
  const html = await (await request.get('/login')).text();
  const chunk = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)![1]!;
  const js = await request.get(chunk);
  expect(js.ok()).toBe(true);
  expect(js.headers()['x-content-type-options']).toBe('nosniff');
  // another site framing the console: the browser refuses to render it in the frame
  await page.setContent(`<iframe src="${BASE}/login" width="600" height="400"></iframe>`);
  await page.waitForTimeout(2000);
  let rendered = 0;
  for (const f of page.frames())
    rendered += await f
      .locator('form[aria-label="Sign in"]')
      .count()
      .catch(() => 0);
  expect(rendered).toBe(0);
});
