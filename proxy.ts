// Runs before every page (Next 16's proxy, formerly middleware): refuses a path that is not valid
// percent-encoding with JSON 400 (Next would answer a plain-text 500), and adds the per-request
// headers: the page CSP with a fresh nonce, HSTS over HTTPS. Not for /api: with a proxy in the
// way Next buffers each request body (and cuts it at proxyClientMaxBodySize), which would defeat
// the streamed body limit and truncate large imports; the API's fixed headers come from
// next.config.mjs and its bad paths are refused by scripts/serve.ts.
import { NextResponse, type NextRequest } from 'next/server';
import { requestOrigin } from '@/lib/server/client-address';
import { HSTS, pageCsp } from '@/lib/server/security-headers';

export function proxy(req: NextRequest) {
  const rawPath = new URL(req.url).pathname;
  try {
    decodeURIComponent(rawPath);
  } catch {
    return NextResponse.json(
      { error: 'invalid path: bad percent-encoding', issues: [{ path: 'path', message: 'is not valid percent-encoded UTF-8' }] },
      { status: 400, headers: { 'cache-control': 'no-store' } },
    );
  }
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const csp = pageCsp(nonce, process.env.NODE_ENV === 'development');
  const headers = new Headers(req.headers);
  headers.set('content-security-policy', csp);
  headers.set('x-nonce', nonce);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('content-security-policy', csp);
  if (requestOrigin(req).proto === 'https') res.headers.set('strict-transport-security', HSTS);
  return res;
}

export const config = {
  // static build output carries the fixed headers of next.config.mjs only
  matcher: ['/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)'],
};
