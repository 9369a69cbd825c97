'use client';
// Small external stores read with useSyncExternalStore, so render stays pure: a shared clock (one
// timer per interval for the whole page, however many badges read it) and "has hydrated".
import { useEffect, useState, useSyncExternalStore } from 'react';

type Clock = { now: number; listeners: Set<() => void>; timer?: ReturnType<typeof setInterval>; idle?: ReturnType<typeof setTimeout>; subscribe: (l: () => void) => () => void };
const clocks = new Map<number, Clock>();

// One subscribe function per interval, so React never re-subscribes a re-rendered reader; and the
// timer outlives its last reader by a moment: when every reader re-renders in one commit, React
// unsubscribes them all before subscribing them again, and a clock that restarted (and re-read the
// time) there would hand each a new snapshot, forcing another synchronous render, again and again
// (React error #185 with 10,000 services, where one round takes longer than a millisecond).
function clock(intervalMs: number): Clock {
  let c = clocks.get(intervalMs);
  if (!c) {
    const fresh: Clock = { now: Date.now(), listeners: new Set(), subscribe: (l) => subscribeClock(fresh, intervalMs, l) };
    clocks.set(intervalMs, (c = fresh));
  }
  return c;
}

function subscribeClock(c: Clock, intervalMs: number, listener: () => void): () => void {
  c.listeners.add(listener);
  if (c.idle) clearTimeout(c.idle);
  c.idle = undefined;
  if (!c.timer) {
    c.now = Date.now();
    c.timer = setInterval(() => {
      c.now = Date.now();
      c.listeners.forEach((l) => l());
    }, intervalMs);
  }
  return () => {
    c.listeners.delete(listener);
    if (c.listeners.size > 0 || !c.timer || c.idle) return;
    c.idle = setTimeout(() => {
      c.idle = undefined;
      if (c.listeners.size === 0 && c.timer) {
        clearInterval(c.timer);
        c.timer = undefined;
      }
    }, intervalMs);
  };
}

/** Subscribe to the shared clock of `intervalMs` (for stores that combine it with their own). */
export const subscribeNow = (intervalMs: number, l: () => void) => clock(intervalMs).subscribe(l);
/** The shared clock's time (what useNow last rendered). */
export const clockNow = (intervalMs: number) => clock(intervalMs).now;

/** The time, moving every `intervalMs`; null while rendering on the server (no clock to agree on). */
export function useNow(intervalMs = 1000): number | null {
  const c = clock(intervalMs);
  return useSyncExternalStore(
    c.subscribe,
    () => c.now,
    () => null,
  );
}

const noSubscription = () => () => {};

/** False on the server and during hydration, true once the page is interactive. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

/** The width of an element in CSS pixels, following resizes (0 until measured). */
export function useElementWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => setWidth(Math.round(entries[0]?.contentRect.width ?? 0)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

/**
 * Run `step` in the browser's idle time, a slice per idle callback, until it returns true (done).
 * `step(outOfTime)` should stop when `outOfTime()` says so: a slice stays well under a frame, so
 * work like indexing 10,000 rows never becomes a long task. Restarts when `step` changes.
 */
export function useIdleWork(step: ((outOfTime: () => boolean) => boolean) | null): void {
  useEffect(() => {
    if (!step) return;
    const ric =
      typeof requestIdleCallback === 'function' ? requestIdleCallback : (f: IdleRequestCallback) => setTimeout(() => f({ didTimeout: false, timeRemaining: () => 8 }), 50) as unknown as number;
    const cancel = typeof cancelIdleCallback === 'function' ? cancelIdleCallback : (id: number) => clearTimeout(id);
    let id = 0;
    const run: IdleRequestCallback = (d) => {
      // at most ~8 ms a slice, whatever the browser offers
      const until = performance.now() + Math.min(8, d.timeRemaining());
      if (!step(() => performance.now() >= until)) id = ric(run);
    };
    id = ric(run);
    return () => cancel(id);
  }, [step]);
}
