import type { Metadata } from 'next';
import { HaPage } from '@/components/ha/HaPage';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'HA' };

export default async function Ha({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <HaPage cluster={param(cluster)} />;
}
