import type { ReactNode } from 'react';
import { SessionGate } from '@/components/session';
import { Header } from '@/components/shell/Header';

// Every page behind sign-in: the session gate sends anonymous visitors to /login.
export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <SessionGate>
      <Header />
      <main>{children}</main>
    </SessionGate>
  );
}
