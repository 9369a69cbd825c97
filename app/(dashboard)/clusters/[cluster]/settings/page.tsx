import type { Metadata } from 'next';
import { AlertsSettings } from '@/components/alerts/AlertsSettings';
import { ClusterSettings } from '@/components/clusters/ClusterSettings';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'Settings' };

export default async function Settings({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return (
    <div className="stack" style={{ gap: 16 }}>
      <ClusterSettings cluster={param(cluster)} />
      <AlertsSettings cluster={param(cluster)} />
    </div>
  );
}
