// The console's HTTP server: Next.js's request handler behind a node:http server of our own, so
// the app can know who is on the other end. Next's route handlers never see the socket, and the
// X-Forwarded-For Next adds is only added when the client did not send one, so it is the
// client's word. Here every request's PEER_HEADER is replaced by the socket's address (a
// client-sent copy is dropped), and PEER_MARK tells the app (same process) that it may believe
// that header; lib/server/client-address.ts decides from it, and LVS_TRUSTED_PROXIES, who the
// client is. Env: PORT, HOST. Run by scripts/start.ts (and the built-app integration tests).
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { PEER_HEADER, PEER_MARK } from '../lib/server/client-address';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';

process.env[PEER_MARK] = '1';
const app = next({ dev: false, dir: root, hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  // a path that is not valid percent-encoding: Next would answer a plain-text 500
  try {
    decodeURIComponent((req.url ?? '/').split('?')[0]!);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(JSON.stringify({ error: 'invalid path: bad percent-encoding', issues: [{ path: 'path', message: 'is not valid percent-encoded UTF-8' }] }));
    return;
  }
  delete req.headers[PEER_HEADER];
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? '';
  void handle(req, res);
});
// a client that trickles its headers or body is cut off instead of holding a socket for ever
server.headersTimeout = 30_000;
server.requestTimeout = 300_000;
// Agents POST every 5 s, Node's default keep-alive timeout: keep idle sockets longer, or the server
// closes them just as agents reuse them and those POSTs fail (found by npm run proof -- fleet).
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`[lvs-console] listening on http://${host}:${port}`));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => server.close(() => process.exit(0)));
