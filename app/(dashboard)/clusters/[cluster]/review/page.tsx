import type { Metadata } from 'next';
import { param } from '@/components/links';
import { ReviewPage } from '@/components/review/ReviewPage';

export const metadata: Metadata = { title: 'Review & apply' };

const num = (v: string | string[] | undefined) => {
  const s = Array.isArray(v) ? v[0] : v;
  return s && /^\d+$/.test(s) ? Number(s) : null;
};

export default async function Review({ params, searchParams }: { params: Promise<{ cluster: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { cluster } = await params;
  const sp = await searchParams;
  return <ReviewPage cluster={param(cluster)} rollbackTo={num(sp.rollback)} rollout={num(sp.rollout)} />;
}
