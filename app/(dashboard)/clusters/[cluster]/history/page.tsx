import type { Metadata } from 'next';
import { HistoryPage } from '@/components/history/HistoryPage';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'History' };

export default async function History({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <HistoryPage cluster={param(cluster)} />;
}
