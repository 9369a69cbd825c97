// Next.js calls register() once when a server process starts: the place for start-up work.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('@/lib/server/start');
  void startServer();
}
