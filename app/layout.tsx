import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '../components/providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'LVS Console', template: '%s · LVS Console' },
  description: 'Desired state, plan, apply and live stats for Linux Virtual Server directors',
};

export const viewport: Viewport = { colorScheme: 'dark light', themeColor: '#0e1116' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" data-theme="dark">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
