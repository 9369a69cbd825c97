import { param } from '@/components/links';
import { ServicePage } from '@/components/service-editor/ServicePage';

export default async function ServiceRoute({ params }: { params: Promise<{ cluster: string; service: string }> }) {
  const { cluster, service } = await params;
  return <ServicePage cluster={param(cluster)} serviceKey={param(service)} />;
}
