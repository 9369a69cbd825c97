'use client';
// Users (admins only): roles admin > operator > viewer, disable, reset password, delete.
import { useState } from 'react';
import type { api } from '@/lib/api/client';
import type { Role, User } from '@/lib/api/schemas';
import { useUsers } from '../data/queries';
import { useCreateUser, useDeleteUser, useUpdateUser } from '../data/mutations';
import { ago, ROLE_HELP } from '../format';
import { useSession } from '../session';
import { ConfirmDialog, Dialog, FormActions } from '../ui/dialog';
import { errorIssues, issuesAt } from '../ui/errors';
import { Field } from '../ui/field';
import { ErrorState } from '../ui/states';
import { useAttempt, useToast } from '../ui/toast';
import { AdminList } from './AdminList';
import { useSubmit } from '../ui/submit';

export function UsersPage() {
  const { can, me } = useSession();
  const q = useUsers();
  if (!can('admin'))
    return (
      <div className="page">
        <ErrorState error="managing users needs the admin role" title="Not allowed" />
      </div>
    );
  return (
    <AdminList
      title="Users"
      sub={
        <>
          admin: {ROLE_HELP.admin} · operator: {ROLE_HELP.operator} · viewer: {ROLE_HELP.viewer}
        </>
      }
      newLabel="New user"
      query={q}
      rows={(d) => d.users}
      emptyTitle="No users"
      testId="users-table"
      columns={['Username', 'Role', 'Status', 'Created']}
      row={(u) => <UserRow key={u.id} u={u} self={u.id === me.user.id} />}
      create={(open, onClose) => <CreateUserDialog open={open} onClose={onClose} />}
    />
  );
}

function UserRow({ u, self }: { u: User; self: boolean }) {
  const updateUser = useUpdateUser();
  const deleteUser = useDeleteUser();
  const toast = useToast();
  const attempt = useAttempt();
  const [pw, setPw] = useState(false);
  const [del, setDel] = useState(false);
  const update = async (body: Parameters<typeof api.updateUser>[1], what: string) => {
    await attempt(`Could not update ${u.username}`, async () => {
      await updateUser.mutateAsync({ id: u.id, body });
      toast.show('ok', `${u.username}: ${what}`);
    });
  };
  const remove = async () => {
    await attempt(`Could not delete ${u.username}`, async () => {
      await deleteUser.mutateAsync(u.id);
      toast.show('ok', `${u.username} deleted`);
    });
    setDel(false);
  };
  return (
    <tr>
      <td>
        <strong>{u.username}</strong> {self ? <span className="badge">you</span> : null}
      </td>
      <td>
        <select aria-label={`role of ${u.username}`} value={u.role} disabled={self} onChange={(e) => update({ role: e.target.value as Role }, `role → ${e.target.value}`)}>
          <option value="admin">admin</option>
          <option value="operator">operator</option>
          <option value="viewer">viewer</option>
        </select>
      </td>
      <td>{u.disabled ? <span className="badge bad">disabled</span> : <span className="badge ok">active</span>}</td>
      <td className="small">{ago(u.createdAt)}</td>
      <td className="right nowrap">
        <button type="button" className="btn small" onClick={() => setPw(true)}>
          Set password…
        </button>{' '}
        {!self ? (
          <>
            <button type="button" className="btn small" onClick={() => update({ disabled: !u.disabled }, u.disabled ? 'enabled' : 'disabled (sessions ended)')}>
              {u.disabled ? 'Enable' : 'Disable'}
            </button>{' '}
            <button type="button" className="btn small danger" onClick={() => setDel(true)}>
              Delete…
            </button>
          </>
        ) : null}
        <PasswordDialog user={u} open={pw} onClose={() => setPw(false)} />
        <ConfirmDialog open={del} title={`Delete ${u.username}?`} confirmLabel="Delete" danger onConfirm={remove} onClose={() => setDel(false)}>
          <p>Their sessions and API tokens go with them. The audit log keeps their name.</p>
        </ConfirmDialog>
      </td>
    </tr>
  );
}

function PasswordDialog({ user, open, onClose }: { user: User; open: boolean; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const toast = useToast();
  const updateUser = useUpdateUser();
  const { error, submit } = useSubmit(async () => {
    await updateUser.mutateAsync({ id: user.id, body: { password } });
    toast.show('ok', `Password of ${user.username} changed`);
    setPassword('');
    onClose();
  });
  return (
    <Dialog open={open} onClose={onClose} title={`New password for ${user.username}`}>
      <form onSubmit={submit} className="stack" noValidate>
        <Field label="Password" errors={errorIssues(error).map((i) => i.message)} help="at least 12 characters">
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
        </Field>
        <FormActions error={error} onCancel={onClose} submitLabel="Set password" />
      </form>
    </Dialog>
  );
}

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const createUser = useCreateUser();
  const toast = useToast();
  const at = (p: string) => issuesAt(error, p);
  const { error, submit } = useSubmit(async () => {
    const u = await createUser.mutateAsync({ username, password, role });
    toast.show('ok', `User ${u.username} created`, `role ${u.role}`);
    setUsername('');
    setPassword('');
    onClose();
  });
  return (
    <Dialog open={open} onClose={onClose} title="New user">
      <form onSubmit={submit} className="stack" noValidate>
        <Field label="Username" errors={at('username')}>
          <input type="text" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </Field>
        <Field label="Password" errors={at('password')} help="at least 12 characters">
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Role" errors={at('role')} help={ROLE_HELP[role]}>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </Field>
        <FormActions error={error} onCancel={onClose} submitLabel="Create" />
      </form>
    </Dialog>
  );
}
