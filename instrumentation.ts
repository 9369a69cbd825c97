// Next.js calls register() once when a server process starts: the place for start-up work.
// The runtime check is Next's documented form, so the Node-only modules stay out of other bundles.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startServer } = await import('@/lib/server/start');
    void startServer();
  }
}
