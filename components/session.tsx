'use client';
// Who is signed in and what they may do. Viewers never see edit controls: components ask
// `can('operator')` (or wrap controls in <Can role="operator">) instead of checking names.
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { usePathname, useRouter } from 'next/navigation';
import { ROLE_RANK, type Me, type Role } from '../lib/api/schemas';
import { useMe } from './data/queries';
import { errorStatus } from './ui/errors';
import { ErrorState, Loading } from './ui/states';

type Session = { me: Me; role: Role; can: (role: Role) => boolean };
const Ctx = createContext<Session | null>(null);

export function SessionGate({ children }: { children: ReactNode }) {
  const q = useMe();
  const router = useRouter();
  const path = usePathname();
  const unauthenticated = q.isError && errorStatus(q.error) === 401;
  useEffect(() => {
    if (unauthenticated) router.replace(`/login?next=${encodeURIComponent(path || '/')}`);
  }, [unauthenticated, router, path]);
  if (q.isPending || unauthenticated) {
    return (
      <div className="page">
        <Loading label={unauthenticated ? 'Redirecting to sign in…' : 'Loading…'} />
      </div>
    );
  }
  if (q.isError) {
    return (
      <div className="page">
        <ErrorState error={q.error} title="The control plane did not answer" retry={() => q.refetch()} />
      </div>
    );
  }
  const me = q.data;
  const session: Session = { me, role: me.role, can: (r) => ROLE_RANK[me.role] >= ROLE_RANK[r] };
  return <Ctx.Provider value={session}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionGate');
  return s;
}

/** Renders its children only for users with at least `role`. */
export function Can({ role, children, otherwise = null }: { role: Role; children: ReactNode; otherwise?: ReactNode }) {
  const { can } = useSession();
  return <>{can(role) ? children : otherwise}</>;
}
