// The Content-Security-Policy and HSTS that proxy.ts adds (the headers that never vary, such as
// X-Frame-Options, come from next.config.mjs for every path, static files included).
//
// Pages: scripts only from this origin or carrying this request's nonce (Next reads the nonce
// from the request's CSP header and puts it on its own hydration scripts, which is why every page
// is rendered per request, see app/layout.tsx). Inline style attributes stay allowed: React
// renders style={…} into the HTML and a style nonce cannot cover attributes.

export function pageCsp(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** JSON answers are never documents: nothing may run or load in them, nor frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** One year, sent only over HTTPS (a browser ignores it over HTTP, and it must not stick to a plain-HTTP install). */
export const HSTS = 'max-age=31536000; includeSubDomains';
