// The traffic lab's client, run INSIDE the guest in the client namespace: long-lived keep-alive
// connections (a request every intervalMs each, closed gracefully and reopened after a random
// lifetime) and a steady stream of new short connections. It writes what it sees as events
// (events.jsonl) and counts (summary.json); the proof on the host attributes them to changes.
// Plain sockets and a minimal HTTP/1.1 reader, so a reset, a stall and a refusal are told apart.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { LoadConfig, LoadEvent, LoadSummary } from './protocol';

const cfg = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;
const summary: LoadSummary = { requests: 0, perServer: {}, newOk: 0, newFailed: 0, newSkipped: 0 };
let pending: LoadEvent[] = [];
const emit = (ev: LoadEvent) => pending.push(ev);
const flush = () => {
  if (pending.length) fs.appendFileSync(path.join(cfg.dir, 'events.jsonl'), pending.map((e) => JSON.stringify(e)).join('\n') + '\n');
  pending = [];
  fs.writeFileSync(path.join(cfg.dir, 'summary.tmp'), JSON.stringify(summary));
  fs.renameSync(path.join(cfg.dir, 'summary.tmp'), path.join(cfg.dir, 'summary.json'));
};
let stopping = false;
const served = (server: string) => {
  summary.requests++;
  summary.perServer[server] = (summary.perServer[server] ?? 0) + 1;
};

/** Reads HTTP/1.1 responses with a Content-Length off a byte stream; returns each body. */
function responses(onBody: (body: string) => void) {
  let buf = Buffer.alloc(0);
  return (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.subarray(0, head).toString('latin1'))?.[1] ?? 0);
      if (buf.length < head + 4 + len) return;
      onBody(buf.subarray(head + 4, head + 4 + len).toString());
      buf = buf.subarray(head + 4 + len);
    }
  };
}

const split = (target: string) => {
  const [host, port] = target.split(':');
  return { host: host!, port: Number(port) };
};
let nextId = 1;

/** One long-lived connection slot: always has a connection open (or opening) to its target. */
function keepAlive(target: string): void {
  const id = nextId++;
  const t0 = Date.now();
  const life = cfg.lifeMs[0] + Math.random() * (cfg.lifeMs[1] - cfg.lifeMs[0]);
  let server: string | null = null;
  let reqAt = 0;
  let okReq = 0;
  let timer: NodeJS.Timeout | null = null;
  let over = false;
  const sock = net.connect(split(target));
  const finish = (kind: 'closed' | 'reset' | 'stall', why?: string) => {
    if (over) return;
    over = true;
    if (timer) clearTimeout(timer);
    if (server === null && kind !== 'closed') {
      summary.newFailed++;
      emit({ e: 'fail', target, why: why ?? kind, t0, t: Date.now() });
    } else emit({ e: 'end', id, target, server, kind, okReq, t: Date.now(), ...(why ? { why } : {}) });
    if (kind === 'closed') sock.end();
    else sock.destroy();
    if (!stopping) setImmediate(() => keepAlive(target));
  };
  const send = () => {
    if (stopping) return finish('closed');
    reqAt = Date.now();
    sock.write('GET / HTTP/1.1\r\nHost: lab\r\n\r\n');
    timer = setTimeout(() => finish('stall', `no answer in ${cfg.stallMs} ms`), cfg.stallMs);
  };
  sock.setNoDelay(true);
  sock.on('connect', send);
  sock.on(
    'data',
    responses((body) => {
      if (timer) clearTimeout(timer);
      if (server === null) {
        server = body;
        summary.newOk++;
        emit({ e: 'up', id, target, server, t: Date.now() });
      }
      okReq = reqAt;
      served(body);
      if (Date.now() - t0 > life || stopping) return finish('closed');
      timer = setTimeout(send, cfg.intervalMs);
    }),
  );
  sock.on('error', (e: NodeJS.ErrnoException) => finish('reset', e.code ?? e.message));
  sock.on('close', () => finish('reset', 'closed by the other end'));
  if (server === null) setTimeout(() => server === null && !over && finish('stall', `not connected in ${cfg.stallMs} ms`), cfg.stallMs);
}

let inFlight = 0;
/** One short connection: connect, one request, read the answer, close. */
function short(target: string): void {
  if (inFlight >= 20) {
    summary.newSkipped++;
    return;
  }
  inFlight++;
  const t0 = Date.now();
  let over = false;
  const sock = net.connect(split(target));
  const done = (why: string | null, body?: string) => {
    if (over) return;
    over = true;
    inFlight--;
    clearTimeout(timer);
    if (why === null) {
      summary.newOk++;
      served(body!);
      sock.end();
    } else {
      summary.newFailed++;
      emit({ e: 'fail', target, why, t0, t: Date.now() });
      sock.destroy();
    }
  };
  const timer = setTimeout(() => done(`no answer in ${cfg.stallMs} ms`), cfg.stallMs);
  sock.on('connect', () => sock.write('GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n'));
  sock.on(
    'data',
    responses((body) => done(null, body)),
  );
  sock.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  sock.on('close', () => done('closed before an answer'));
}

for (const t of cfg.targets) for (let k = 0; k < cfg.keepAlive; k++) keepAlive(t);
let rr = 0;
const shortTimer = setInterval(() => short(cfg.targets[rr++ % cfg.targets.length]!), cfg.newEveryMs);
const flushTimer = setInterval(flush, 250);
const stopTimer = setInterval(() => {
  if (!fs.existsSync(path.join(cfg.dir, 'stop'))) return;
  stopping = true;
  clearInterval(shortTimer);
  clearInterval(stopTimer);
  // let the long-lived connections close after their next answer, then write everything down
  setTimeout(() => {
    clearInterval(flushTimer);
    flush();
    fs.writeFileSync(path.join(cfg.dir, 'done'), '');
    process.exit(0);
  }, cfg.stallMs + 500);
}, 100);
