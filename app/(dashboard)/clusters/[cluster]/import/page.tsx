import type { Metadata } from 'next';
import { ImportExportPage } from '@/components/importexport/ImportExportPage';
import { param } from '@/components/links';

export const metadata: Metadata = { title: 'Import & export' };

export default async function ImportExport({ params }: { params: Promise<{ cluster: string }> }) {
  const { cluster } = await params;
  return <ImportExportPage cluster={param(cluster)} />;
}
