// Run one ipvsadm process: argv array (never a shell), optional stdin, stdout/stderr kept apart,
// the exit status as a number. Missing or unusable binaries become EngineUnavailableError with
// a message that says what to do.
import { spawn } from 'node:child_process';
import { EngineUnavailableError } from './engine';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
  /** Bound on captured output; a director with 100k real servers prints ~10 MB per listing. */
  maxBytes?: number;
}

export function execIpvsadm(bin: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    // LC_ALL=C: ipvsadm's messages are not translated, but libc's strerror() text would be.
    const child = spawn(bin, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let killedFor: string | null = null;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          killedFor = `timed out after ${opts.timeoutMs} ms`;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : null;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size > maxBytes && !killedFor) {
        killedFor = `printed more than ${maxBytes} bytes`;
        child.kill('SIGKILL');
        return;
      }
      into.push(b);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (e.code === 'ENOENT') reject(new EngineUnavailableError(`ipvsadm not found: ${bin} (install the ipvsadm package, or pass --ipvsadm PATH)`));
      else if (e.code === 'EACCES') reject(new EngineUnavailableError(`ipvsadm is not executable: ${bin} (${e.message})`));
      else reject(e);
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killedFor) return reject(new Error(`${bin} ${argv.join(' ')}: ${killedFor}`));
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    // Always close stdin: ipvsadm -R reads until EOF, and a shim may read it unconditionally.
    child.stdin.on('error', () => {}); // EPIPE when the process exits before reading everything
    child.stdin.end(opts.stdin ?? '');
  });
}
