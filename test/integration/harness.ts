// Real processes for integration tests: control-plane servers (scripts/serve.ts on the built app when
// LVS_E2E_BUILT=1, else the same route handlers on node:http via serve-routes.ts) and agents
// (`tsx agent/cli.ts run`). Every process is stopped by its own pid in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { root } from '../db/harness';

export const BUILT = process.env.LVS_E2E_BUILT === '1';
const bin = (n: string) => path.join(root, 'node_modules', '.bin', n);

export interface Proc {
  name: string;
  proc: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

function track(name: string, proc: ChildProcess): Proc {
  const logs: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim()) logs.push(l);
    if (logs.length > 2000) logs.splice(0, logs.length - 2000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return {
    name,
    proc,
    logs,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Server extends Proc {
  url: string;
}

export async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const e = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), NEXT_TELEMETRY_DISABLED: '1', ...env };
  const proc = BUILT
    ? spawn(bin('tsx'), [path.join(root, 'scripts', 'serve.ts')], { cwd: root, env: { ...e, HOST: '127.0.0.1', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin('tsx'), [path.join(root, 'test', 'integration', 'serve-routes.ts')], { cwd: root, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(`server:${port}`, proc);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/api/v1/health`).catch(() => null))?.ok === true, 90_000, `${p.name} to answer /api/v1/health`, p);
  return { ...p, url };
}

export async function startAgent(opts: { server: string; tokenFile: string; stateDir: string; engine?: 'sim' | 'ipvsadm'; args?: string[]; env?: Record<string, string> }): Promise<Proc> {
  const args = [
    path.join(root, 'agent', 'cli.ts'),
    'run',
    '--server',
    opts.server,
    '--token-file',
    opts.tokenFile,
    '--engine',
    opts.engine ?? 'sim',
    '--state-dir',
    opts.stateDir,
    '--offline-grace',
    '0',
    ...(opts.args ?? []),
  ];
  const proc = spawn(bin('tsx'), args, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(`agent:${path.basename(opts.tokenFile)}`, proc);
}

/** Poll until `cond` holds; on timeout fail with what we waited for and the processes' last log lines. */
export async function waitFor(cond: () => Promise<boolean> | boolean, ms: number, what: string, ...procs: Proc[]): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await cond()) return;
    } catch (e) {
      last = e;
    }
    for (const p of procs) if (p.proc.exitCode !== null) throw new Error(`${p.name} exited (${p.proc.exitCode}) while waiting for ${what}:\n${p.logs.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = procs.map((p) => `--- ${p.name}\n${p.logs.slice(-30).join('\n')}`).join('\n');
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${logs}`);
}
