import type { Metadata } from 'next';
import { DirectorsPage } from '@/components/directors/DirectorsPage';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'Directors' };

export default async function Directors({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <DirectorsPage cluster={param(cluster)} />;
}
