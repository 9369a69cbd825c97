// Alert delivery in this process, started once with the server (lib/server/start.ts): every alert
// raised here is stored and queued, the worker sends due deliveries (its own and those of
// processes that died), the disconnect detector and the health history's retention run on timers.
import { pruneHealthHistory } from '../health-history';
import { checkDisconnectedDirectors } from './detectors';
import { DeliveryWorker, enqueueAlert } from './delivery';
import { onAlert } from './raise';

// one worker and one subscription per process, though Next loads this module once per bundle
const g = globalThis as typeof globalThis & { __lvsAlertWorker?: DeliveryWorker; __lvsAlertsStarted?: boolean };
export const alertWorker = (g.__lvsAlertWorker ??= new DeliveryWorker());

const DETECT_EVERY_MS = 5000;
const PRUNE_EVERY_MS = 3600_000;

export function startAlerts(): void {
  if (g.__lvsAlertsStarted) return;
  g.__lvsAlertsStarted = true;
  onAlert(async (e) => {
    if (await enqueueAlert(e)) alertWorker.kick();
  });
  alertWorker.start();
  alertWorker.kick(); // what a previous run left pending
  const log = (what: string) => (e: unknown) => console.error(`[lvs-console] ${what}: ${(e as Error).message}`);
  setInterval(() => void checkDisconnectedDirectors().catch(log('disconnect detector')), DETECT_EVERY_MS).unref();
  setInterval(() => void pruneHealthHistory().catch(log('health history retention')), PRUNE_EVERY_MS).unref();
}
