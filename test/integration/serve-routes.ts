// A plain node:http server around the app's route handlers, for integration tests on machines
// where `next build` has not run (the lead's `npm test` builds once and the tests then use
// `next start`). The handlers, the database, the hub and the bus are the very same modules; only
// the HTTP framing is Node's instead of Next's. Usage: PORT=… DATABASE_URL=… tsx serve-routes.ts
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { endpoints } from '@/lib/api/endpoints';
import { startServer } from '@/lib/server/start';

const root = path.resolve(import.meta.dirname, '../..');
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const table = Object.values(endpoints).map((def) => {
  const names: string[] = [];
  const re = new RegExp(`^${def.path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
  const file = path.join(root, 'app', ...def.path.replace(/^\//, '').split('/').map((s) => s.replace(/^\{(\w+)\}$/, '[$1]')), 'route.ts');
  return { def, re, names, file };
});

// what Next's instrumentation hook does (instrumentation.ts)
void startServer();

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const hits = table.filter((t) => t.re.test(url.pathname));
    const hit = hits.find((t) => t.def.method === req.method);
    if (!hit) {
      res.writeHead(hits.length ? 405 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: hits.length ? 'method not allowed' : 'not found', issues: [] }));
      return;
    }
    const m = hit.re.exec(url.pathname)!;
    const params = Object.fromEntries(hit.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    // what Next does: record the peer address unless a proxy already did
    if (!headers.has('x-forwarded-for') && req.socket.remoteAddress) headers.set('x-forwarded-for', req.socket.remoteAddress);
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: ac.signal,
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit);
    const mod = (await import(hit.file)) as Record<string, Handler>;
    const response = await mod[hit.def.method]!(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.flushHeaders();
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch (e) {
    console.error('[serve-routes]', e);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end();
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(`[serve-routes] listening on ${port}`));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
