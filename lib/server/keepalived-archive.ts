// A .tar or .tar.gz of /etc/keepalived, imported as one: the main file (keepalived.conf nearest the
// archive's root, or the entry the request names) and every other file by its path relative to the
// main file's directory, which the import takes for /etc/keepalived. Read in memory with bounds, so
// a gzip bomb, a tar of thousands of entries or a name that climbs out (..) is refused, not read.
// tar-stream (already in the tree through prebuild-install, small, no native code) parses the tar;
// Node's zlib inflates with an output cap.
import { gunzipSync } from 'node:zlib';
import { extract, type Headers } from 'tar-stream';
import { dirname, resolvePath } from '@/lib/ipvs/keepalived/paths';

export const ARCHIVE_LIMITS = {
  /** the archive as uploaded (gzip or plain tar) */
  compressedBytes: 16 * 1024 * 1024,
  /** everything once inflated: the same bound as pasted text and files together */
  totalBytes: 20 * 1024 * 1024,
  entries: 1000,
} as const;

export class ArchiveError extends Error {
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

export type KeepalivedArchive = {
  /** the main file's path in the archive */
  main: string;
  /** files by the path the import reads them at (relative to the main file's directory, else absolute) */
  files: Record<string, string>;
  /** the import's path of each file -> its name inside the archive, to name it in errors */
  names: Map<string, string>;
};

/** "./etc/keepalived/x" -> "etc/keepalived/x" ("./" -> "."); refuses names that climb out of the archive. */
function entryPath(name: string): string {
  const p = resolvePath('.', name.replace(/^\/+/, ''));
  if (p.startsWith('..')) throw new ArchiveError(`archive entry ${JSON.stringify(name)} climbs out of the archive (..): refused`, name);
  return p;
}

const depth = (p: string) => p.split('/').length;

function inflate(data: Buffer): Buffer {
  if (data.length > ARCHIVE_LIMITS.compressedBytes) throw new ArchiveError(`the archive is ${data.length} bytes; at most ${ARCHIVE_LIMITS.compressedBytes} are accepted`);
  if (data[0] !== 0x1f || data[1] !== 0x8b) return data;
  try {
    return gunzipSync(data, { maxOutputLength: ARCHIVE_LIMITS.totalBytes + 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw new ArchiveError(`the archive inflates to more than ${ARCHIVE_LIMITS.totalBytes} bytes: refused`);
    throw new ArchiveError(`the archive is not valid gzip: ${err.message}`);
  }
}

/** The regular files (and links to them) of a tar, bounded. */
async function readTar(tarBytes: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const links: [string, string][] = [];
  let entries = 0;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    const fail = (e: Error) => {
      ex.destroy();
      reject(e);
    };
    ex.on('entry', (h: Headers, stream, next) => {
      try {
        if (++entries > ARCHIVE_LIMITS.entries) throw new ArchiveError(`the archive has more than ${ARCHIVE_LIMITS.entries} entries: refused`);
        const name = entryPath(h.name);
        if (h.type === 'symlink' || h.type === 'link') {
          const target = h.type === 'symlink' ? resolvePath(dirname(name), h.linkname ?? '') : entryPath(h.linkname ?? '');
          if (target.startsWith('..') || (h.linkname ?? '').startsWith('/')) throw new ArchiveError(`${name} links to ${h.linkname} outside the archive: refused`, name);
          links.push([name, target]);
        } else if (h.type !== 'file' && h.type !== 'contiguous-file' && h.type !== 'directory') throw new ArchiveError(`${name} is a ${h.type}, not a file: refused`, name);
      } catch (e) {
        stream.resume();
        return fail(e as Error);
      }
      const name = entryPath(h.name);
      if (h.type === 'directory') {
        stream.resume();
        return void stream.on('end', next);
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        total += c.length;
        if (total > ARCHIVE_LIMITS.totalBytes) fail(new ArchiveError(`the archive's files are more than ${ARCHIVE_LIMITS.totalBytes} bytes together: refused`, name));
        else if (h.type === 'file' || h.type === 'contiguous-file') chunks.push(c);
      });
      stream.on('end', () => {
        if (h.type === 'file' || h.type === 'contiguous-file') files.set(name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    ex.on('finish', () => resolve());
    ex.on('error', (e: Error) => fail(e instanceof ArchiveError ? e : new ArchiveError(`the archive is not a valid tar: ${e.message}`)));
    ex.end(tarBytes);
  });
  // a link reads as its target (keepalived opens through links); chains are followed a few steps
  for (let round = 0; round < 8; round++) for (const [name, target] of links) if (!files.has(name) && files.has(target)) files.set(name, files.get(target)!);
  return files;
}

/** The main file and the others of an archive; `entry` (a path inside it) names the main file when given. */
export async function readKeepalivedArchive(data: Buffer, entry?: string): Promise<KeepalivedArchive> {
  const all = await readTar(inflate(data));
  if (all.size === 0) throw new ArchiveError('the archive holds no files');
  let main: string;
  if (entry !== undefined) {
    main = entryPath(entry);
    if (!all.has(main)) throw new ArchiveError(`${entry} is not a file of the archive (it has ${[...all.keys()].slice(0, 10).join(', ')}${all.size > 10 ? ', …' : ''})`, entry);
  } else {
    const confs = [...all.keys()].filter((p) => p === 'keepalived.conf' || p.endsWith('/keepalived.conf'));
    const top = Math.min(...confs.map(depth));
    const nearest = confs.filter((p) => depth(p) === top);
    if (nearest.length !== 1)
      throw new ArchiveError(
        nearest.length
          ? `the archive has several keepalived.conf (${nearest.join(', ')}): name the main file`
          : `the archive has no keepalived.conf: name the main file (it has ${[...all.keys()].slice(0, 10).join(', ')}${all.size > 10 ? ', …' : ''})`,
      );
    main = nearest[0]!;
  }
  const root = dirname(main);
  const files: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const [p, text] of all) {
    const rel = root === '.' ? p : p.startsWith(`${root}/`) ? p.slice(root.length + 1) : `/${p}`;
    files[rel] = text;
    names.set(rel, p);
  }
  return { main, files, names };
}
