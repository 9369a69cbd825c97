// Raw HTTP for attack tests: node:http so a test can choose its loopback source address (distinct
// clients are 127.0.0.2, 127.0.0.3, …), send chunked bodies and forge any header.
import fs from 'node:fs';
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test answers are inspected loosely
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** a string is sent with Content-Length; an iterable of chunks is sent chunked */
  body?: string | Iterable<string | Buffer>;
  from?: string;
}

export function send(base: string, path: string, opts: RawRequest = {}): Promise<RawResponse> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: opts.method ?? 'GET', headers: opts.headers ?? {}, localAddress: opts.from, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // answered before the whole body went out (a refusal): stop sending the rest
          if (!req.writableFinished) req.destroy();
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    // the server may refuse a body before it is all sent: that is the point of some tests
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (typeof opts.body === 'string') req.end(opts.body);
    else if (opts.body) {
      (async () => {
        for (const c of opts.body as Iterable<string | Buffer>) {
          if (req.destroyed) return;
          if (!req.write(c)) {
            await new Promise<void>((r) => {
              const done = () => {
                req.off('drain', done).off('close', done);
                r();
              };
              req.on('drain', done).on('close', done);
            });
          }
        }
        req.end();
      })().catch(reject);
    } else req.end();
  });
}

export const jsonPost = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Resident memory of a process (Linux), in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}
