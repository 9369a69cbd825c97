// A plain node:http server around the app's route handlers, for integration tests on machines
// where `next build` has not run (the lead's `npm test` builds once and the tests then use
// `next start`). The handlers, the database, the hub and the bus are the very same modules; only
// the HTTP framing is Node's instead of Next's. Usage: PORT=… DATABASE_URL=… tsx serve-routes.ts
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { endpoints } from '@/lib/api/endpoints';
import { startServer } from '@/lib/server/start';
import { PEER_HEADER, PEER_MARK } from '@/lib/server/client-address';

const root = path.resolve(import.meta.dirname, '../..');
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const table = Object.values(endpoints).map((def) => {
  const names: string[] = [];
  const re = new RegExp(`^${def.path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
  const file = path.join(
    root,
    'app',
    ...def.path
      .replace(/^\//, '')
      .split('/')
      .map((s) => s.replace(/^\{(\w+)\}$/, '[$1]')),
    'route.ts',
  );
  return { def, re, names, file };
});

// what Next's instrumentation hook does (instrumentation.ts)
void startServer();
// as scripts/serve.ts does: the peer address comes from the socket, never from the client
process.env[PEER_MARK] = '1';

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
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(hit.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    } catch {
      // as proxy.ts answers in front of Next
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid path: bad percent-encoding', issues: [{ path: 'path', message: 'is not valid percent-encoded UTF-8' }] }));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    headers.set(PEER_HEADER, req.socket.remoteAddress ?? '');
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

// Agents POST stats every 5 s, exactly Node's default keep-alive timeout: the server would close
// idle sockets just as agents reuse them ("fetch failed" on a POST, which undici cannot retry).
// Outlive the agents' cadence, as a load balancer in front of the console would.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

const port = Number(process.env.PORT ?? 3000);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(`[serve-routes] listening on ${port}`));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
