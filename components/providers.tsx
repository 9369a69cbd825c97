'use client';
// Client-side context for every page: react-query (data that changes) and toasts.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { feedFromQueries } from './live/director-status';
import { ToastProvider } from './ui/toast';
import { errorStatus } from './ui/errors';

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 2_000,
            refetchOnWindowFocus: true,
            // 4xx will not get better by retrying; network blips and 5xx might
            retry: (n, err) => {
              const s = errorStatus(err);
              return (s === null || s >= 500) && n < 2;
            },
          },
        },
      }),
  );
  // every REST answer that carries directors also feeds the one director-status store
  useEffect(() => feedFromQueries(client), [client]);
  return (
    <QueryClientProvider client={client}>
      <ToastProvider>{children}</ToastProvider>
    </QueryClientProvider>
  );
}
