// One POST to a webhook: http or https only, a hard timeout, no redirects followed (a 3xx is a
// failed attempt that names where it pointed), and at most RESPONSE_LIMIT bytes of the answer read.
import http from 'node:http';
import https from 'node:https';

export const WEBHOOK_TIMEOUT_MS = 5000;
/** The most of a receiver's answer kept (for the delivery log's error text). */
export const RESPONSE_LIMIT = 2048;

export interface WebhookResult {
  ok: boolean;
  status: number | null;
  /** why it failed: the network error, or the status with the start of the answer */
  error: string | null;
}

export function postWebhook(url: string, body: string, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<WebhookResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, status: null, error: 'not a URL' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.resolve({ ok: false, status: null, error: `refused scheme ${u.protocol}` });
  const client = u.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: WebhookResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = client.request(u, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'lvs-console-alerts/1' } }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const settle = () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_LIMIT).trim();
        if (status >= 200 && status < 300) return finish({ ok: true, status, error: null });
        if (status >= 300 && status < 400) return finish({ ok: false, status, error: `HTTP ${status}: redirect to ${res.headers.location ?? '(no location)'} not followed` });
        finish({ ok: false, status, error: `HTTP ${status}${text ? `: ${text}` : ''}` });
      };
      res.on('data', (c: Buffer) => {
        if (size < RESPONSE_LIMIT) chunks.push(c.subarray(0, RESPONSE_LIMIT - size));
        size += c.length;
        if (size >= RESPONSE_LIMIT) {
          settle();
          res.destroy();
        }
      });
      res.on('end', settle);
      res.on('error', (e) => finish({ ok: false, status, error: e.message }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, status: null, error: `no answer within ${timeoutMs / 1000} s` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: e.code ? `${e.code}: ${e.message}` : e.message }));
    req.end(body);
  });
}
