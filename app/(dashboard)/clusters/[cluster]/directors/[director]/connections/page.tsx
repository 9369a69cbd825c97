import type { Metadata } from 'next';
import { ConnectionsPage } from '@/components/directors/ConnectionsPage';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'Connections' };

export default async function Connections({ params }: { params: Promise<{ cluster: string; director: string }> }) {
  const { cluster, director } = await params;
  return <ConnectionsPage cluster={param(cluster)} director={param(director)} />;
}
