// The console under proof: a real server process on 127.0.0.1 (the app's route handlers on
// node:http, as the integration tests run it; `next start` when LVS_E2E_BUILT=1), started with
// node directly so its pid is the process whose CPU and memory we read from /proc. It can be
// stopped and started again on the same port, which is what the agents reconnect to.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILT, freePort, waitFor, type Proc } from '@/test/integration/harness';

const root = path.resolve(import.meta.dirname, '../..');

export interface ConsoleOptions {
  databaseUrl: string;
  port?: number;
  env?: Record<string, string>;
  /** write a V8 CPU profile of the console into this directory when it stops */
  cpuProfDir?: string;
}

export class ConsoleProcess {
  proc: ChildProcess | null = null;
  logs: string[] = [];
  private constructor(
    readonly port: number,
    private readonly o: ConsoleOptions,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(o: ConsoleOptions): Promise<ConsoleProcess> {
    const c = new ConsoleProcess(o.port ?? (await freePort()), o);
    await c.start();
    return c;
  }

  /** Start (again) on the same port; resolves once /api/v1/health answers. */
  async start(): Promise<void> {
    const env = { ...process.env, DATABASE_URL: this.o.databaseUrl, PORT: String(this.port), NEXT_TELEMETRY_DISABLED: '1', ...this.o.env };
    const prof = this.o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', this.o.cpuProfDir] : [];
    const args = BUILT
      ? [...prof, path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(this.port), '-H', '127.0.0.1', '--keepAliveTimeout', '65000']
      : [...prof, '--import', 'tsx', path.join(root, 'test', 'integration', 'serve-routes.ts')];
    const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const keep = (b: Buffer) => {
      for (const l of b.toString().split('\n')) if (l.trim()) this.logs.push(l);
      if (this.logs.length > 500) this.logs.splice(0, this.logs.length - 500);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    await waitFor(async () => (await fetch(`${this.url}/api/v1/health`).catch(() => null))?.ok === true, 90_000, `the console on ${this.port} to answer /api/v1/health`, this.asProc());
  }

  private asProc(): Proc {
    return { name: `console:${this.port}`, proc: this.proc!, logs: this.logs, stop: () => this.stop() };
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    // writing a CPU profile on exit takes a while
    const t = setTimeout(() => proc.kill('SIGKILL'), this.o.cpuProfDir ? 60_000 : 5000);
    await exited;
    clearTimeout(t);
  }

  /** CPU seconds (user + system) the console process has used so far. */
  cpuSeconds(): number {
    const stat = fs.readFileSync(`/proc/${this.proc!.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  }

  rssMb(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.proc!.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  }
}
