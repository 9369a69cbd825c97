// What a control-plane process starts once, before it serves: the stats store (its timers, and
// the rows other processes share over the bus), the staged rollouts' ticker and alert delivery (its
// queue worker and detectors). Called by Next's instrumentation hook (instrumentation.ts) and by the
// test servers; never by a request.
import { startAlerts } from './alerts/start';
import { startRolloutEngine } from './rollouts';
import { statsStore } from './stats';

let started: Promise<void> | null = null;

export function startServer(): Promise<void> {
  return (started ??= (async () => {
    startRolloutEngine();
    // the bus may be briefly unreachable at boot (PostgreSQL restarting): keep trying, serve meanwhile
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        await statsStore.start();
        startAlerts();
        return;
      } catch (e) {
        console.error(`[lvs-console] cannot listen to the other processes yet (${(e as Error).message}); retrying in ${delay / 1000} s`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  })());
}
