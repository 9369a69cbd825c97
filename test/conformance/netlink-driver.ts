// Runs INSIDE the QEMU guest (bundled by scripts/build-agent.mjs, started once per guest with the
// host's node): one NetlinkEngine kept open, driven by JSON requests through two FIFOs, so each
// call from the host costs one command-server round trip, not a node start (minutes under
// emulation for unbundled code, seconds for a bundle). Request: {call, args}; reply: {ok, value}
// or {ok: false, error}, plus the engine's request counter and the call's duration in the guest.
import fs from 'node:fs/promises';
import { NetlinkEngine } from '@/agent/engines/netlink/engine';

const dir = process.argv[2] ?? '/tmp/nl';
const engine = new NetlinkEngine();
/** Engines with other stats-socket pool sizes, for measuring (call 'readStatsWith' [size]). */
const sized = new Map<number, NetlinkEngine>();

async function call(req: { call: string; args?: unknown[] }): Promise<unknown> {
  const a = req.args ?? [];
  switch (req.call) {
    case 'facts':
      return engine.facts();
    case 'readConfig':
      return engine.readConfig(a[0] as never);
    case 'readStats':
      return engine.readStats();
    case 'apply':
      return engine.apply(a[0] as never, a[1] as never);
    case 'readStatsWith': {
      const n = Number(a[0]);
      if (!sized.has(n)) sized.set(n, new NetlinkEngine({ statsSockets: n }));
      return sized.get(n)!.readStats();
    }
    case 'ping':
      return 'pong';
    default:
      throw new Error(`unknown call ${req.call}`);
  }
}

await fs.writeFile(`${dir}/ready`, String(process.pid));
for (;;) {
  const text = await fs.readFile(`${dir}/req`, 'utf8'); // blocks until the host writes one
  let reply: Record<string, unknown>;
  const t0 = performance.now();
  let exit = false;
  try {
    const req = JSON.parse(text) as { call: string; args?: unknown[] };
    exit = req.call === 'exit';
    reply = { ok: true, value: exit ? null : await call(req) };
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? e.message : String(e), name: e instanceof Error ? e.name : 'Error' };
  }
  reply.ms = performance.now() - t0;
  reply.requests = engine.requests;
  reply.statsRequests = engine.statsRequests;
  await fs.writeFile(`${dir}/resp`, JSON.stringify(reply));
  if (exit) break;
}
await engine.close();
