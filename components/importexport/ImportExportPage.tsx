'use client';
// Onboarding and migration both ways: paste `ipvsadm-save -n` output (or keepalived.conf
// virtual_server blocks, or JSON), preview it — with every bad line named — and create a
// revision; or download a revision as rules, JSON or keepalived.conf.
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { KeepalivedArchive, KeepalivedFiles, type KaArchive, type KaFile } from './KeepalivedFiles';
import { api } from '@/lib/api/client';
import type { ImportPreview, Issue } from '@/lib/api/schemas';
import { useCluster, useRevisions } from '../data/queries';
import { useImportConfig } from '../data/mutations';
import { href } from '../links';
import { PreviewBody } from '../review/Review';
import { useSession } from '../session';
import { errorIssues, errorMessage } from '../ui/errors';
import { Field } from '../ui/field';
import { Segmented } from '../ui/segmented';
import { useToast } from '../ui/toast';
import styles from './import.module.css';
import { MissingScriptsNotice } from '../service-editor/MissingScripts';
import type { MissingScript } from '@/lib/ipvs/check-scripts';

const FORMATS = ['rules', 'keepalived', 'json', 'listing', 'sysctl'] as const;
type Format = (typeof FORMATS)[number];
const FORMAT_LABEL: Record<Format, string> = {
  rules: 'ipvsadm-save -n',
  keepalived: 'keepalived.conf',
  json: 'JSON',
  listing: 'ipvsadm -Ln',
  sysctl: 'sysctl.conf (net.ipv4.vs.*)',
};
type ExportFormat = Exclude<Format, 'listing'>;

const PLACEHOLDER: Record<Format, string> = {
  rules: '# ipvsadm-save -n\n-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 1\n-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 2',
  keepalived: 'virtual_server 10.0.0.1 80 {\n    lb_algo wlc\n    lb_kind DR\n    protocol TCP\n    real_server 192.168.1.2 80 {\n        weight 1\n    }\n}',
  json: '{ "services": [ { "protocol": "tcp", "address": "10.0.0.1", "port": 80, "realServers": [ { "address": "192.168.1.2" } ] } ] }',
  listing:
    'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.0.0.1:80 wlc\n  -> 192.168.1.2:80               Route   1      0          0',
  sysctl: '# the IPVS settings only (they replace the current ones; services stay)\nnet.ipv4.vs.expire_nodest_conn = 1\nnet.ipv4.vs.expire_quiescent_template = 1',
};

export function ImportExportPage({ cluster }: { cluster: string }) {
  const { can } = useSession();
  return (
    <div className="stack" style={{ gap: 16 }}>
      {can('operator') ? <ImportCard cluster={cluster} /> : null}
      <ExportCard cluster={cluster} />
    </div>
  );
}

function ImportCard({ cluster }: { cluster: string }) {
  const c = useCluster(cluster);
  const router = useRouter();
  const importConfig = useImportConfig(cluster);
  const toast = useToast();
  const [format, setFormat] = useState<Format>('rules');
  const [text, setText] = useState('');
  const [keepOverlays, setKeepOverlays] = useState(true);
  const [message, setMessage] = useState('Import from ipvsadm-save');
  const [preview, setPreview] = useState<{ text: string; plan: ImportPreview } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'preview' | 'import' | null>(null);
  const [kaFiles, setKaFiles] = useState<KaFile[]>([]);
  const [kaArchive, setKaArchive] = useState<KaArchive | null>(null);
  const [configId, setConfigId] = useState('');
  const [kaNotes, setKaNotes] = useState<{ files: string[]; warnings: { file: string; line: number; message: string }[] } | null>(null);
  const [cannotCarry, setCannotCarry] = useState<string[] | null>(null);
  const [missingScripts, setMissingScripts] = useState<MissingScript[]>([]);
  const base = c.data?.currentRevision?.number ?? 0;
  const issues = errorIssues(error) as Issue[];
  // line marks go on the pasted main file; issues of included files are listed with their file
  const archive = format === 'keepalived' ? kaArchive : null;
  const lineIssues = archive ? [] : issues.filter((i) => i.line !== undefined && (!(i as { file?: string }).file || (i as { file?: string }).file === 'keepalived.conf'));

  // the preview stands for the text and, for keepalived, the included files and config id too
  const inputKey = archive
    ? `archive\0${archive.name}\0${archive.bytes}\0${archive.base64.length}\0${archive.entry}\0${configId}`
    : format === 'keepalived'
      ? `${text}\0${JSON.stringify(kaFiles)}\0${configId}`
      : text;
  const run = async (dryRun: boolean) => {
    setBusy(dryRun ? 'preview' : 'import');
    setError(null);
    try {
      const id = configId.trim() ? { configId: configId.trim() } : {};
      const ka = archive
        ? { text: '', files: [], archive: { name: archive.name, base64: archive.base64, ...(archive.entry.trim() ? { entry: archive.entry.trim() } : {}) }, ...id }
        : format === 'keepalived'
          ? { text, files: kaFiles, ...id }
          : { text };
      const r = await importConfig.mutateAsync({ format, baseRevision: base, message: message.trim() || 'import', keepOverlays, dryRun, ...ka });
      setKaNotes(r.keepalived ?? null);
      setCannotCarry(r.listing?.cannotCarry ?? null);
      setMissingScripts(r.missingScripts ?? []);
      if (dryRun || !r.revision) {
        setPreview({ text: inputKey, plan: r.plan });
      } else {
        toast.show('ok', `Imported as r${r.revision.number}`, `${r.revision.summary} — pushed to ${r.pushedTo} director${r.pushedTo === 1 ? '' : 's'}.`);
        router.push(`${href.review(cluster)}?rollout=${r.revision.number}`);
      }
    } catch (e) {
      setError(e);
      setPreview(null);
    } finally {
      setBusy(null);
    }
  };
  const previewCurrent = preview && preview.text === inputKey;

  return (
    <section className="card" aria-label="Import">
      <div className="card-head">
        <h2>Import</h2>
        <span className="small muted">replaces the desired config of {cluster} with the pasted one (as a new revision, after a preview)</span>
      </div>
      <div className="row" style={{ marginBottom: 10 }}>
        <Segmented label="Format" options={FORMATS.map((f) => [f, FORMAT_LABEL[f]] as const)} value={format} onChange={setFormat} />
        <label className="check small">
          <input type="checkbox" checked={keepOverlays} onChange={(e) => setKeepOverlays(e.target.checked)} />
          keep health checks, drains and timeouts of services that stay (ipvsadm-save has none of them)
        </label>
      </div>
      <Field label="Text to import" errors={issues.filter((i) => i.path === 'text' && i.line === undefined).map((i) => i.message)}>
        <textarea rows={12} value={text} disabled={!!archive} onChange={(e) => setText(e.target.value)} placeholder={PLACEHOLDER[format]} spellCheck={false} data-testid="import-text" />
      </Field>
      {format === 'keepalived' ? (
        <>
          <KeepalivedFiles files={kaFiles} setFiles={setKaFiles} configId={configId} setConfigId={setConfigId} />
          <KeepalivedArchive archive={kaArchive} setArchive={setKaArchive} />
        </>
      ) : null}
      {error ? (
        <div className="notice bad" role="alert" style={{ marginTop: 10 }} data-testid="import-errors">
          <strong>{errorMessage(error)}</strong>
          <ul>
            {issues.map((i, k) => (
              <li key={k}>
                {i.line !== undefined && !(i as { file?: string }).file ? <strong>line {i.line}: </strong> : i.line === undefined && i.path && i.path !== 'text' ? <code>{i.path} </code> : null}
                {i.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {lineIssues.length ? <NumberedText text={text} issues={lineIssues} /> : null}
      <div className="row" style={{ marginTop: 12 }}>
        <button type="button" className="btn" onClick={() => run(true)} disabled={(!text.trim() && !archive) || busy !== null} data-testid="import-preview">
          {busy === 'preview' ? <span className="spinner" /> : null} Preview
        </button>
        {previewCurrent ? (
          <>
            <input type="text" aria-label="Message" value={message} onChange={(e) => setMessage(e.target.value)} style={{ width: 360 }} />
            <button type="button" className="btn primary" onClick={() => run(false)} disabled={busy !== null || preview.plan.unchanged || !message.trim()} data-testid="import-apply">
              {busy === 'import' ? <span className="spinner" /> : null} Import as r{preview.plan.currentRevision + 1}
            </button>
            {preview.plan.unchanged ? <span className="small muted">identical to the current config: nothing to import</span> : null}
          </>
        ) : preview ? (
          <span className="small warn-text">The text changed since the preview: preview again.</span>
        ) : null}
      </div>
      {previewCurrent ? (
        <div className="stack" style={{ marginTop: 16 }} data-testid="import-plan">
          <div className="notice ok">
            Valid: {preview.plan.counts.services.total} services, {preview.plan.counts.realServers.total} real servers. {preview.plan.summary}
            {kaNotes ? <div className="small">Files read: {kaNotes.files.join(', ')}</div> : null}
          </div>
          {cannotCarry ? (
            <div className="notice warn" data-testid="import-cannot-carry">
              <strong>A listing cannot carry:</strong>
              <ul>
                {cannotCarry.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {kaNotes?.warnings.length ? (
            <div className="notice warn" data-testid="import-warnings">
              <strong>Not imported (changes nothing in IPVS); check before importing:</strong>
              <ul>
                {kaNotes.warnings.map((w, k) => (
                  <li key={k}>
                    <strong>
                      {w.file}:{w.line}:
                    </strong>{' '}
                    {w.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <MissingScriptsNotice missing={missingScripts} />
          <PreviewBody plan={preview.plan} />
        </div>
      ) : null}
    </section>
  );
}

/** The pasted text with line numbers, bad lines marked and their messages under them. */
function NumberedText({ text, issues }: { text: string; issues: Issue[] }) {
  const byLine = useMemo(() => {
    const m = new Map<number, string[]>();
    for (const i of issues) m.set(i.line!, [...(m.get(i.line!) ?? []), i.message]);
    return m;
  }, [issues]);
  const lines = text.split('\n');
  return (
    <pre className={styles.numbered} aria-label="Pasted text with errors marked">
      {lines.map((l, n) => {
        const msgs = byLine.get(n + 1);
        return (
          <div key={n} className={msgs ? styles.badLine : undefined} data-line={n + 1}>
            <span className={styles.ln}>{n + 1}</span>
            {l || ' '}
            {msgs
              ? msgs.map((m, k) => (
                  <div key={k} className={styles.lineMsg}>
                    ↑ {m}
                  </div>
                ))
              : null}
          </div>
        );
      })}
    </pre>
  );
}

function ExportCard({ cluster }: { cluster: string }) {
  const revs = useRevisions(cluster);
  const [rev, setRev] = useState<string>('');
  const revision = rev ? Number(rev) : undefined;
  const link = (format: ExportFormat) => api.exportUrl(cluster, { format, ...(revision ? { revision } : {}) });
  return (
    <section className="card" aria-label="Export">
      <div className="card-head">
        <h2>Export</h2>
      </div>
      <div className="row">
        <label className="small">
          Revision{' '}
          <select value={rev} onChange={(e) => setRev(e.target.value)} style={{ maxWidth: 320 }}>
            <option value="">current</option>
            {(revs.data?.revisions ?? []).map((r) => (
              <option key={r.number} value={r.number}>
                r{r.number} — {r.message.slice(0, 60)}
              </option>
            ))}
          </select>
        </label>
        <a className="btn" href={link('rules')} download>
          Rules (ipvsadm-restore)
        </a>
        <a className="btn" href={link('json')} download>
          JSON
        </a>
        <a className="btn" href={link('keepalived')} download>
          keepalived.conf
        </a>
        <a className="btn" href={link('sysctl')} download>
          IPVS settings (sysctl.conf)
        </a>
      </div>
      <p className="small faint" style={{ marginTop: 8 }}>
        Rules load with <code>ipvsadm-restore &lt; rules</code> (thresholds and timeouts are not part of that format, as with ipvsadm-save). keepalived.conf holds the virtual_server blocks. The IPVS
        settings come as <code>net.ipv4.vs.* = value</code> lines for <code>/etc/sysctl.d/</code>.
      </p>
    </section>
  );
}
