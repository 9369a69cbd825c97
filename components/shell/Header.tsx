'use client';
// The top bar: product, main sections, who is signed in (and as what), sign out.
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useLogout } from '../data/mutations';
import { useSession } from '../session';
import { useToast } from '../ui/toast';
import { errorMessage } from '../ui/errors';
import styles from './shell.module.css';

export function Header() {
  const { me, can } = useSession();
  const path = usePathname() ?? '/';
  const router = useRouter();
  const logout = useLogout();
  const toast = useToast();
  const nav = [
    { href: '/', label: 'Clusters', active: path === '/' || path.startsWith('/clusters') },
    ...(can('operator') ? [{ href: '/audit', label: 'Audit log', active: path.startsWith('/audit') }] : []),
    ...(can('admin') ? [{ href: '/admin/users', label: 'Users', active: path.startsWith('/admin/users') }] : []),
    { href: '/tokens', label: 'API tokens', active: path.startsWith('/tokens') },
  ];
  const signOut = async () => {
    try {
      await logout.mutateAsync();
    } catch (e) {
      toast.show('bad', 'Sign out failed', errorMessage(e));
      return;
    }
    router.replace('/login');
  };
  return (
    <header className={styles.header}>
      <Link href="/" className={styles.brand} aria-label="LVS Console home">
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="4" cy="12" r="3" fill="currentColor" />
          <circle cx="20" cy="4" r="2.5" fill="currentColor" opacity="0.8" />
          <circle cx="20" cy="12" r="2.5" fill="currentColor" opacity="0.8" />
          <circle cx="20" cy="20" r="2.5" fill="currentColor" opacity="0.8" />
          <path d="M6.5 11 L17.5 4.8 M7 12 H17.5 M6.5 13 L17.5 19.2" stroke="currentColor" strokeWidth="1.4" fill="none" />
        </svg>
        LVS Console
      </Link>
      <nav className={styles.nav} aria-label="Main">
        {nav.map((n) => (
          <Link key={n.href} href={n.href} aria-current={n.active ? 'page' : undefined}>
            {n.label}
          </Link>
        ))}
      </nav>
      <span className="grow" />
      <div className={styles.user} data-testid="current-user">
        <span className={styles.username}>{me.user.username}</span>
        <span className={`badge ${me.role === 'admin' ? 'info' : me.role === 'operator' ? 'ok' : ''}`} data-testid="current-role">
          {me.role}
        </span>
        <button type="button" className="btn ghost small" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
