// The proof's handle on the agent-fleet process: start it (node + tsx, its own pid, IPC), send it
// commands, stop it. See agents-process.ts for what runs there.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { AgentCommand, AgentReply, FleetStatus } from './fleet-protocol';

export class FleetProcess {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly stderr: string[] = [];

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: AgentReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(`agent fleet: ${m.error}`));
    });
    proc.stderr?.on('data', (b: Buffer) => {
      if (process.env.LVS_PROOF_DEBUG) process.stderr.write(b);
      this.stderr.push(b.toString());
      if (this.stderr.length > 50) this.stderr.shift();
    });
    proc.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`agent fleet exited (${code}):\n${this.stderr.join('')}`));
      this.waiting.clear();
    });
  }

  /** `cpuProfDir`: write a V8 CPU profile of the fleet process there when it stops. */
  static async spawn(cpuProfDir?: string): Promise<FleetProcess> {
    const proc = fork(path.join(import.meta.dirname, 'agents-process.ts'), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096', ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const f = new FleetProcess(proc);
    f.waiting.set(0, { resolve: () => undefined, reject: () => undefined });
    await new Promise<void>((resolve, reject) => {
      f.waiting.set(0, { resolve: () => resolve(), reject });
    });
    return f;
  }

  send<T>(c: AgentCommand): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, c });
    });
  }

  status(): Promise<FleetStatus> {
    return this.send<FleetStatus>({ cmd: 'status' });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    await this.send({ cmd: 'stop' }).catch(() => undefined);
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(t);
  }
}
