'use client';
// The files a keepalived.conf includes, added next to the pasted main file (a directory upload
// keeps their relative paths, e.g. conf.d/web.conf), and keepalived's config id (-i).
import { useRef } from 'react';

export type KaFile = { path: string; text: string };

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
