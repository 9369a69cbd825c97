import type { Metadata } from 'next';
import { ClusterSettings } from '@/components/clusters/ClusterSettings';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'Settings' };

export default async function Settings({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <ClusterSettings cluster={param(cluster)} />;
}
