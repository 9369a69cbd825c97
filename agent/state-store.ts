// The agent's memory across restarts (--state-dir): the latest desired revision it accepted, the
// last revision it ACKed together with exactly what it put in the kernel for it, and the health of
// each real server. A restarted agent resumes from this instead of starting blank, so it neither
// reverts a half-applied revision nor touches rules that already match.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DirectorConfigSchema } from '../lib/ipvs/model';
import { DesiredRevisionSchema, HealthStateSchema } from '../lib/protocol/messages';

export const AgentStateSchema = z.object({
  version: z.literal(1),
  /** The newest desired revision received (it may not be applied yet). */
  desired: DesiredRevisionSchema.nullable(),
  /** The last ACKed revision and the exact config applied for it (desired + drains + health overlay). */
  acked: z.object({ revision: z.number().int(), hash: z.string(), applied: DirectorConfigSchema, at: z.string() }).nullable(),
  health: z.array(HealthStateSchema).default([]),
});
export type AgentState = z.output<typeof AgentStateSchema>;

export const EMPTY_STATE: AgentState = { version: 1, desired: null, acked: null, health: [] };

export class StateStore {
  readonly file: string;
  /** What this store last read or wrote: the file is this agent's alone, so it is what the file holds. */
  private last: AgentState | null = null;

  constructor(dir: string) {
    this.file = path.join(dir, 'state.json');
  }

  /** The saved state; EMPTY_STATE if there is none. A corrupt file is an error, not silently ignored. */
  load(): AgentState {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.file}: not valid JSON (${(e as Error).message}); move it away to start from scratch`);
    }
    const r = AgentStateSchema.safeParse(json);
    if (!r.success) {
      const first = r.error.issues[0];
      throw new Error(`${this.file}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}; move it away to start from scratch`);
    }
    return (this.last = r.data);
  }

  /**
   * The state as saved, without reading and validating the file again when this store wrote or read
   * it last (every ACK saves: re-parsing the whole config each time was most of an agent's ACK cost).
   */
  current(): AgentState {
    return this.last ?? this.load();
  }

  /** Crash-safe save: write a temp file, fsync it, rename over the old one, fsync the directory. */
  save(state: AgentState): void {
    const dir = path.dirname(this.file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(state));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.last = state;
    try {
      const dfd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } catch {
      // some filesystems refuse fsync on a directory; the rename is still atomic
    }
  }
}
