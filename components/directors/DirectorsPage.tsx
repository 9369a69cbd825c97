'use client';
// The directors of a cluster: status, versions, kernel facts, applied vs desired, last error,
// drift; register (token shown once with the exact agent command line), revoke.
import Link from 'next/link';
import { useState } from 'react';
import type { DirectorStatus } from '@/lib/api/schemas';
import { useCluster, useDirectors } from '../data/queries';
import { useRegisterDirector, useRevokeDirector } from '../data/mutations';
import { ago, dateTime, engineLabel } from '../format';
import { href } from '../links';
import { Can } from '../session';
import { ConfirmDialog, Dialog, FormActions } from '../ui/dialog';
import { issuesAt } from '../ui/errors';
import { Field } from '../ui/field';
import { EmptyCard, QueryState } from '../ui/states';
import { DataTable, type Column } from '../ui/table';
import { useAttempt, useToast } from '../ui/toast';
import { DirectorStaleBadge, DirectorStateBadge } from './DirectorState';
import { useDirectorStatus } from '../live/director-status';
import { CopyButton, SecretLine } from '../ui/copy';

export function DirectorsPage({ cluster }: { cluster: string }) {
  const q = useDirectors(cluster);
  const c = useCluster(cluster);
  const [registering, setRegistering] = useState(false);
  const desired = c.data?.currentRevision?.number ?? null;
  return (
    <section className="stack" aria-label="Directors">
      <div className="row">
        <p className="small muted grow" style={{ margin: 0 }}>
          Each director runs <code>lvs-agent</code>, which dials out to this control plane, applies the desired revision with ipvsadm and reports back. Desired revision:{' '}
          <strong>{desired === null ? '–' : `r${desired}`}</strong>
          {c.data ? ` · drift policy: ${c.data.driftPolicy}` : ''}.
        </p>
        <Can role="operator">
          <button type="button" className="btn primary" onClick={() => setRegistering(true)}>
            Register director
          </button>
        </Can>
      </div>
      <QueryState
        query={q}
        rows={5}
        isEmpty={(data) => data.directors.length === 0}
        empty={<EmptyCard title="No directors registered">Register a director to get its token and the command that starts its agent.</EmptyCard>}
      >
        {(data) => <DataTable testId="directors-table" columns={COLUMNS} rows={data.directors} row={(d) => <DirectorRow key={d.id} cluster={cluster} d={d} />} />}
      </QueryState>
      <RegisterDialog cluster={cluster} open={registering} onClose={() => setRegistering(false)} />
    </section>
  );
}

const COLUMNS: Column<DirectorStatus>[] = [
  { header: 'Director' },
  { header: 'State' },
  { header: 'Agent' },
  { header: 'Kernel · IPVS · ipvsadm' },
  { header: 'Applied / desired', num: true },
  { header: 'Last seen' },
  { header: 'Problem' },
];

function DirectorRow({ cluster, d: fromQuery }: { cluster: string; d: DirectorStatus }) {
  const d = useDirectorStatus(cluster, fromQuery.name, fromQuery);
  const f = d.facts;
  return (
    <tr data-testid={`director-${d.name}`}>
      <td>
        <Link href={href.director(cluster, d.name)} className="mono" style={{ fontWeight: 600 }}>
          {d.name}
        </Link>
        {f?.hostname && f.hostname !== d.name ? <div className="small muted">{f.hostname}</div> : null}
      </td>
      <td>
        <DirectorStateBadge d={d} />
        <DirectorStaleBadge d={d} />
      </td>
      <td className="small">
        {d.agentVersion ? `lvs-agent ${d.agentVersion}` : '–'}
        {d.engine ? <div className="muted">{engineLabel(d.engine)}</div> : null}
      </td>
      <td className="small mono">{f ? `${f.kernel} · ${f.ipvsVersion} (size=${f.connTableSize}) · ${f.ipvsadmVersion ?? '—'}` : '–'}</td>
      <td className="num mono" data-testid="applied-revision">
        r{d.appliedRevision ?? '–'} / r{d.desiredRevision ?? '–'}
      </td>
      <td className="small nowrap" title={d.lastSeenAt ? dateTime(d.lastSeenAt) : undefined}>
        {d.connected ? <span className="ok-text">connected</span> : ago(d.lastSeenAt)}
      </td>
      <td className="small" style={{ maxWidth: 360 }}>
        {d.lastError && d.state === 'failed' ? (
          <span className="bad-text">ipvsadm: {d.lastError.message}</span>
        ) : d.drift ? (
          <span className="warn-text">drift: {d.drift.summary}</span>
        ) : (
          <span className="faint">—</span>
        )}
      </td>
    </tr>
  );
}

function RegisterDialog({ cluster, open, onClose }: { cluster: string; open: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string; agentCommand: string } | null>(null);
  const registerDirector = useRegisterDirector(cluster);
  const close = () => {
    setCreated(null);
    setName('');
    setError(null);
    onClose();
  };
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await registerDirector.mutateAsync({ name });
      setCreated({ name: r.director.name, token: r.token, agentCommand: r.agentCommand });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={close} title={created ? `Director ${created.name} registered` : 'Register a director'} wide={!!created}>
      {created ? (
        <TokenOnce token={created.token} command={created.agentCommand} onDone={close} />
      ) : (
        <form onSubmit={submit} className="stack" noValidate>
          <Field label="Name" errors={issuesAt(error, 'name')} help="usually the host name, e.g. lvs-a.dc1">
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} autoFocus spellCheck={false} />
          </Field>
          <FormActions error={error} onCancel={close} submitLabel="Register" disabled={busy || !name.trim()} />
        </form>
      )}
    </Dialog>
  );
}

/** A secret shown once, with what to do with it. */
export function TokenOnce({ token, command, onDone }: { token: string; command: string; onDone: () => void }) {
  // write the token where the command expects it (the API names the file in --token-file)
  const tokenFile = /--token-file[= ](\S+)/.exec(command)?.[1] ?? '/etc/lvs-agent/token';
  const tokenDir = tokenFile.includes('/') ? tokenFile.slice(0, tokenFile.lastIndexOf('/')) || '/' : '.';
  return (
    <div className="stack" data-testid="token-once">
      <div className="notice warn">
        Copy the token now: it is shown <strong>once</strong> and only its hash is stored. If it is lost, rotate it from the director’s page.
      </div>
      <div className="field">
        <span className="label">Token</span>
        <SecretLine secret={token} testId="director-token" />
      </div>
      <div className="field">
        <span className="label">On the director, as root</span>
        <pre className="cmd" data-testid="agent-command">
          <span className="prompt"># </span>install -d -m 700 {tokenDir}
          {'\n'}
          <span className="prompt"># </span>(umask 077; printf &apos;%s\n&apos; &apos;{token}&apos; &gt; {tokenFile}){'\n'}
          <span className="prompt"># </span>
          {command}
        </pre>
        <div className="row end">
          <CopyButton text={command} label="Copy command" />
        </div>
      </div>
      <div className="row end">
        <button type="button" className="btn primary" onClick={onDone}>
          I have saved it
        </button>
      </div>
    </div>
  );
}

export function RevokeButton({ cluster, d }: { cluster: string; d: DirectorStatus }) {
  const [open, setOpen] = useState(false);
  const toast = useToast();
  const attempt = useAttempt();
  const revokeDirector = useRevokeDirector(cluster);
  const revoke = () =>
    attempt('Revoke failed', async () => {
      await revokeDirector.mutateAsync(d.name);
      toast.show('ok', `Director ${d.name} revoked`, 'Its agent was disconnected; its token no longer works.');
      setOpen(false);
    });
  return (
    <>
      <button type="button" className="btn danger" onClick={() => setOpen(true)} disabled={d.revoked}>
        Revoke token…
      </button>
      <ConfirmDialog open={open} title={`Revoke ${d.name}?`} confirmLabel="Revoke" danger busy={revokeDirector.isPending} onConfirm={revoke} onClose={() => setOpen(false)}>
        <p>The agent is disconnected at once and its token stops working. The director keeps its current IPVS table (agents never flush), but nothing updates it any more.</p>
      </ConfirmDialog>
    </>
  );
}
