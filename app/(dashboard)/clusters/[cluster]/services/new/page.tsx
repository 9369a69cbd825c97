import type { Metadata } from 'next';
import { param } from '@/components/links';
import { ServicePage } from '@/components/service-editor/ServicePage';

export const metadata: Metadata = { title: 'New virtual service' };

export default async function NewServicePage({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <ServicePage cluster={param(cluster)} serviceKey={null} />;
}
