import type { Metadata } from 'next';
import { ClusterOverview } from '@/components/clusters/ClusterOverview';

export const metadata: Metadata = { title: 'Clusters' };

export default function HomePage() {
  return <ClusterOverview />;
}
