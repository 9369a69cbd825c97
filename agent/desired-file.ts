// Standalone (GitOps) mode: the desired config is a local file instead of the control plane's
// revisions. It is read at start and again on SIGHUP, as keepalived re-reads keepalived.conf: the
// whole file is parsed and validated first, so a bad file is logged (file, line or field) and the
// running config is kept — nothing of it is applied. A file that changed becomes the next local
// revision (its hash is the content's configHash), which the reconciler applies with a targeted
// pass: only the services that differ are read before and verified after.
import { configHash } from '@/lib/ipvs/hash';
import type { DesiredRevision } from '@/lib/protocol/messages';
import { loadConfig, processIo, type Io } from './cli/offline';
import type { Logger } from './transport';

/** The `cluster` of a revision that came from a local file, not from a control plane. */
export const LOCAL_CLUSTER = 'local';

export class DesiredFile {
  private current: DesiredRevision | null = null;

  constructor(
    private readonly o: {
      file: string;
      log: Logger;
      /** the file's text (tests give their own) */
      readFile?: (file: string) => string;
      now?: () => Date;
    },
  ) {}

  /** The revision last loaded (null before the first good read). */
  get revision(): DesiredRevision | null {
    return this.current;
  }

  /**
   * Read and validate the file. Returns the new revision when its content changed, null when it is
   * unchanged or bad (a bad file is logged as an error and the last good revision stays current).
   */
  load(): DesiredRevision | null {
    const { file, log } = this.o;
    const io: Io = {
      readFile: this.o.readFile ?? processIo.readFile,
      stdout: () => {},
      stderr: (t) => log.warn(`${file}: ${t.trim()}`),
      setExitCode: () => {},
    };
    let config;
    try {
      config = loadConfig(file, io).config;
    } catch (e) {
      const keeping = this.current ? `keeping local revision ${this.current.revision}` : 'nothing applied';
      log.error(`desired file not loaded (${keeping}): ${(e as Error).message}`);
      return null;
    }
    const hash = configHash(config);
    if (this.current?.hash === hash) {
      log.info(`${file}: unchanged (local revision ${this.current.revision})`);
      return null;
    }
    const revision = (this.current?.revision ?? 0) + 1;
    this.current = { cluster: LOCAL_CLUSTER, revision, hash, createdAt: (this.o.now?.() ?? new Date()).toISOString(), driftPolicy: 'enforce', config };
    log.info(`${file}: local revision ${revision} (${config.services.length} services)`);
    return this.current;
  }
}
