'use client';
// API tokens for automation (CI, scripts): named, with a role no higher than their owner's and
// an optional expiry; the secret is shown once. Admins see everyone's.
import { useState } from 'react';
import { ROLE_RANK, type ApiToken, type Role } from '@/lib/api/schemas';
import { useTokens } from '../data/queries';
import { useCreateToken, useRevokeToken } from '../data/mutations';
import { ago, dateTime } from '../format';
import { useSession } from '../session';
import { SecretLine } from '../ui/copy';
import { ConfirmDialog, Dialog, FormActions } from '../ui/dialog';
import { issuesAt } from '../ui/errors';
import { Field, Options } from '../ui/field';
import { useAttempt, useToast } from '../ui/toast';
import { useNow } from '../ui/hooks';
import { AdminList } from './AdminList';
import { useSubmit } from '../ui/submit';

export function TokensPage() {
  const q = useTokens();
  const { can } = useSession();
  return (
    <AdminList
      title="API tokens"
      sub={
        <>
          For scripts and CI: <code>curl -H &apos;Authorization: Bearer lvs_…&apos; {typeof window === 'undefined' ? '' : window.location.origin}/api/v1/clusters</code>
          {can('admin') ? ' · as an admin you see every user’s tokens' : ''}
        </>
      }
      newLabel="New token"
      query={q}
      rows={(d) => d.tokens}
      emptyTitle="No API tokens"
      testId="tokens-table"
      columns={['Name', 'Token', 'Role', 'Owner', 'Expires', 'Last used', 'Status']}
      row={(t) => <TokenRow key={t.id} t={t} />}
      create={(open, onClose) => <CreateTokenDialog open={open} onClose={onClose} />}
    />
  );
}

function TokenRow({ t }: { t: ApiToken }) {
  const [revoking, setRevoking] = useState(false);
  const revokeToken = useRevokeToken();
  const toast = useToast();
  const attempt = useAttempt();
  const now = useNow(60_000);
  const expired = t.expiresAt !== null && now !== null && new Date(t.expiresAt).getTime() < now;
  const revoke = async () => {
    await attempt('Revoke failed', async () => {
      await revokeToken.mutateAsync(t.id);
      toast.show('ok', `Token ${t.name} revoked`);
    });
    setRevoking(false);
  };
  return (
    <tr>
      <td>
        <strong>{t.name}</strong>
      </td>
      <td className="mono small">{t.prefix}…</td>
      <td>{t.role}</td>
      <td>{t.owner}</td>
      <td className="small">{t.expiresAt ? dateTime(t.expiresAt) : 'never'}</td>
      <td className="small">{t.lastUsedAt ? ago(t.lastUsedAt) : 'never'}</td>
      <td>{t.revoked ? <span className="badge">revoked</span> : expired ? <span className="badge warn">expired</span> : <span className="badge ok">active</span>}</td>
      <td className="right">
        {!t.revoked ? (
          <button type="button" className="btn small danger" onClick={() => setRevoking(true)}>
            Revoke…
          </button>
        ) : null}
        <ConfirmDialog open={revoking} title={`Revoke ${t.name}?`} confirmLabel="Revoke" danger onConfirm={revoke} onClose={() => setRevoking(false)}>
          <p>Anything using this token gets 401 from now on.</p>
        </ConfirmDialog>
      </td>
    </tr>
  );
}

function CreateTokenDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { role: myRole } = useSession();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [days, setDays] = useState('90');
  const [secret, setSecret] = useState<string | null>(null);
  const createToken = useCreateToken();
  const at = (p: string) => issuesAt(error, p);
  const close = () => {
    setSecret(null);
    setName('');
    setError(null);
    onClose();
  };
  const { error, setError, submit } = useSubmit(async () => {
    const r = await createToken.mutateAsync({ name, role, expiresInDays: days === '' ? null : Number(days) });
    setSecret(r.secret);
  });
  const roles = (['viewer', 'operator', 'admin'] as const).filter((r) => ROLE_RANK[r] <= ROLE_RANK[myRole]);
  return (
    <Dialog open={open} onClose={close} title={secret ? 'Token created' : 'New API token'}>
      {secret ? (
        <div className="stack">
          <div className="notice warn">Copy it now: it is shown once and only its hash is stored.</div>
          <SecretLine secret={secret} testId="api-token-secret" />
          <div className="row end">
            <button type="button" className="btn primary" onClick={close}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} className="stack" noValidate>
          <Field label="Name" errors={at('name')} help="what uses it, e.g. ci-deploy">
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
          </Field>
          <Field label="Role" errors={at('role')} help="at most your own role">
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <Options values={roles} />
            </select>
          </Field>
          <Field label="Expires after (days)" errors={at('expiresInDays')} help="blank = never">
            <input type="text" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
          </Field>
          <FormActions error={error} onCancel={close} submitLabel="Create" />
        </form>
      )}
    </Dialog>
  );
}
