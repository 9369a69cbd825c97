'use client';
import { useState } from 'react';
import { useRouter, useSearchParams } from 'next/navigation';
import { safeNext } from '@/lib/api/safe-next';
import { useLogin } from '../data/mutations';
import { errorIssues, errorMessage, errorStatus } from '../ui/errors';
import { Field } from '../ui/field';
import { useHydrated } from '../ui/hooks';

export function LoginForm() {
  const router = useRouter();
  const params = useSearchParams();
  const login = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // until hydrated a click would submit the form natively: keep the button off, and the method POST
  // so credentials can never end up in a URL
  const ready = useHydrated();
  const issues = errorIssues(error);
  const at = (p: string) => issues.filter((i) => i.path === p).map((i) => i.message);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login.mutateAsync({ username, password });
      router.replace(safeNext(params.get('next')));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const status = errorStatus(error);
  return (
    <form method="post" onSubmit={submit} className="card stack" style={{ width: 360, padding: 24 }} aria-label="Sign in" noValidate>
      <div>
        <h1 style={{ marginBottom: 4 }}>LVS Console</h1>
        <p className="muted small">Sign in to manage your IPVS directors.</p>
      </div>
      <Field label="Username" errors={at('username')}>
        <input type="text" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required />
      </Field>
      <Field label="Password" errors={at('password')}>
        <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </Field>
      {error && !issues.length ? (
        <div className="notice bad" role="alert" data-testid="login-error">
          {status === 401 ? 'Wrong username or password.' : status === 429 ? `Too many attempts: ${errorMessage(error)}` : errorMessage(error)}
        </div>
      ) : null}
      <button type="submit" className="btn primary" disabled={busy || !ready}>
        {busy ? <span className="spinner" /> : null} Sign in
      </button>
    </form>
  );
}
