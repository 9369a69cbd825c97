// Runs before every page and API route (Next 16's proxy, formerly middleware): refuses a path
// that is not valid percent-encoding with JSON 400 (Next would answer a plain-text 500), and adds
// the per-request headers: the page CSP with a fresh nonce, the API CSP, HSTS over HTTPS.
import { NextResponse, type NextRequest } from 'next/server';
import { requestOrigin } from '@/lib/server/client-address';
import { API_CSP, HSTS, pageCsp } from '@/lib/server/security-headers';

export function proxy(req: NextRequest) {
  const rawPath = new URL(req.url).pathname;
  try {
    decodeURIComponent(rawPath);
  } catch {
    return NextResponse.json({ error: 'invalid path: bad percent-encoding', issues: [{ path: 'path', message: 'is not valid percent-encoded UTF-8' }] }, { status: 400, headers: { 'cache-control': 'no-store', 'content-security-policy': API_CSP } });
  }
  const https = requestOrigin(req).proto === 'https';
  let res: NextResponse;
  if (rawPath.startsWith('/api/')) {
    res = NextResponse.next();
    res.headers.set('content-security-policy', API_CSP);
  } else {
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
    const csp = pageCsp(nonce, process.env.NODE_ENV === 'development');
    const headers = new Headers(req.headers);
    headers.set('content-security-policy', csp);
    headers.set('x-nonce', nonce);
    res = NextResponse.next({ request: { headers } });
    res.headers.set('content-security-policy', csp);
  }
  if (https) res.headers.set('strict-transport-security', HSTS);
  return res;
}

export const config = {
  // static build output carries the fixed headers of next.config.mjs only
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg).*)'],
};
