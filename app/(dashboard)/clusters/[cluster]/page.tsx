import { ClusterServicesPage } from '@/components/clusters/ClusterServicesPage';
import { param } from '@/components/links';

export default async function ClusterPage({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <ClusterServicesPage cluster={param(cluster)} />;
}
