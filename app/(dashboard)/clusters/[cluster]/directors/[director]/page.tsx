import { DirectorPage } from '@/components/directors/DirectorPage';
import { param } from '@/components/links';

export default async function Director({ params }: { params: Promise<{ cluster: string; director: string }> }) {
  const { cluster, director } = await params;
  return <DirectorPage cluster={param(cluster)} director={param(director)} />;
}
