import type { ReactNode } from 'react';
import { ClusterChrome } from '@/components/clusters/ClusterChrome';
import { param } from '@/components/links';

export default async function ClusterLayout({ children, params }: { children: ReactNode; params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <ClusterChrome cluster={param(cluster)}>{children}</ClusterChrome>;
}
