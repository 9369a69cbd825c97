// The one seam through which any part of the console raises an alert. Detectors call raiseAlert;
// whoever delivers alerts (webhooks, the delivery log) subscribes with onAlert at start-up. Kept
// separate from delivery so a detector never depends on how, or whether, alerts leave the process.
import { AlertEventSchema, type AlertEvent, type AlertEventInput } from '../../api/alerts';

type Listener = (e: AlertEvent) => void | Promise<void>;
// On globalThis: Next bundles the instrumentation hook (which subscribes delivery) apart from the
// route handlers (where detectors raise), so a module-level set would be two sets in one process.
const g = globalThis as typeof globalThis & { __lvsAlertListeners?: Set<Listener> };
const listeners = (g.__lvsAlertListeners ??= new Set<Listener>());

/** Subscribe to every alert raised in this process; returns the unsubscribe function. */
export function onAlert(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Raise an alert; never throws into the detector (a failing listener is logged, not propagated). */
export function raiseAlert(input: AlertEventInput): AlertEvent {
  const event = AlertEventSchema.parse(input);
  for (const l of listeners) {
    Promise.resolve()
      .then(() => l(event))
      .catch((e: unknown) => console.error(`[lvs-console] alert listener failed for ${event.kind}: ${(e as Error).message}`));
  }
  return event;
}
