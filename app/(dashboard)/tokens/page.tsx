import type { Metadata } from 'next';
import { TokensPage } from '@/components/admin/TokensPage';

export const metadata: Metadata = { title: 'API tokens' };

export default function Tokens() {
  return <TokensPage />;
}
