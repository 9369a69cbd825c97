'use client';
// The files a keepalived.conf includes, added next to the pasted main file (a directory upload
// keeps their relative paths, e.g. conf.d/web.conf), keepalived's config id (-i), or one archive
// of /etc/keepalived instead.
import { useRef } from 'react';

export type KaFile = { path: string; text: string };
/** A .tar / .tar.gz of /etc/keepalived, sent as is (the server reads it within bounds); `entry` names the main file inside it. */
export type KaArchive = { name: string; base64: string; bytes: number; entry: string };

/** The file's bytes as base64 (the data: URL FileReader makes, without its prefix). */
function readBase64(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

/** One archive instead of the pasted text and files. */
export function KeepalivedArchive({ archive, setArchive }: { archive: KaArchive | null; setArchive: (a: KaArchive | null) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const pick = async (list: FileList | null) => {
    const f = list?.[0];
    if (!f) return;
    setArchive({ name: f.name, base64: await readBase64(f), bytes: f.size, entry: '' });
    if (input.current) input.current.value = '';
  };
  return (
    <div className="row" style={{ marginTop: 10 }} data-testid="keepalived-archive">
      <label className="small">
        Or one archive of /etc/keepalived (.tar, .tar.gz):{' '}
        <input ref={input} type="file" accept=".tar,.tgz,.tar.gz,application/x-tar,application/gzip" onChange={(e) => void pick(e.target.files)} aria-label="Archive of /etc/keepalived" />
      </label>
      {archive ? (
        <>
          <span className="small">
            {archive.name} ({archive.bytes} bytes) replaces the text and files
          </span>
          <label className="small">
            Main file inside it:{' '}
            <input
              type="text"
              value={archive.entry}
              onChange={(e) => setArchive({ ...archive, entry: e.target.value })}
              placeholder="the keepalived.conf nearest its root"
              style={{ width: 260 }}
              aria-label="Main file inside the archive"
            />
          </label>
          <button type="button" className="btn small" onClick={() => setArchive(null)}>
            Remove archive
          </button>
        </>
      ) : null}
    </div>
  );
}

export function KeepalivedFiles({ files, setFiles, configId, setConfigId }: { files: KaFile[]; setFiles: (f: KaFile[]) => void; configId: string; setConfigId: (s: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const add = async (list: FileList | null) => {
    if (!list) return;
    const read = await Promise.all([...list].map(async (f) => ({ path: (f as File & { webkitRelativePath?: string }).webkitRelativePath?.replace(/^[^/]+\//, '') || f.name, text: await f.text() })));
    const byPath = new Map(files.map((f) => [f.path, f]));
    for (const f of read) byPath.set(f.path, f);
    setFiles([...byPath.values()].sort((a, b) => a.path.localeCompare(b.path)));
    if (input.current) input.current.value = '';
  };
  return (
    <div className="stack" style={{ marginTop: 10 }} data-testid="keepalived-files">
      <div className="row">
        <label className="small">
          Included files (paths relative to /etc/keepalived): <input ref={input} type="file" multiple onChange={(e) => void add(e.target.files)} aria-label="Add included files" />
        </label>
        <label className="small">
          Config id (keepalived -i): <input type="text" value={configId} onChange={(e) => setConfigId(e.target.value)} style={{ width: 140 }} aria-label="Config id" placeholder="none" />
        </label>
      </div>
      {files.length ? (
        <ul className="small">
          {files.map((f) => (
            <li key={f.path}>
              <input type="text" aria-label={`Path of ${f.path}`} value={f.path} onChange={(e) => setFiles(files.map((x) => (x === f ? { ...x, path: e.target.value } : x)))} style={{ width: 280 }} />{' '}
              {f.text.split('\n').length} lines{' '}
              <button type="button" className="btn small" onClick={() => setFiles(files.filter((x) => x !== f))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
