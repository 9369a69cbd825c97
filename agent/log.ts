// One line per event on stderr (journald adds its own timestamps; a terminal gets ours).
import type { Logger } from './transport';

export function createLogger(opts: { quiet?: boolean; timestamps?: boolean } = {}): Logger {
  const stamp = opts.timestamps ?? !process.env.INVOCATION_ID; // INVOCATION_ID: running under systemd
  const line = (level: string, msg: string) => {
    process.stderr.write(`${stamp ? `${new Date().toISOString()} ` : ''}${level} ${msg}\n`);
  };
  return {
    info: (m) => {
      if (!opts.quiet) line('info ', m);
    },
    warn: (m) => line('warn ', m),
    error: (m) => line('error', m),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
