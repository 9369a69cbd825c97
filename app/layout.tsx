import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { connection } from 'next/server';
import { Providers } from '../components/providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'LVS Console', template: '%s · LVS Console' },
  description: 'Desired state, plan, apply and live stats for Linux Virtual Server directors',
};

export const viewport: Viewport = { colorScheme: 'dark light', themeColor: '#0e1116' };

// Rendered per request: Next puts the nonce of the request's CSP (proxy.ts) on its scripts.
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en" data-theme="dark">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
