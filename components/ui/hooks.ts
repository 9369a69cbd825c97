'use client';
// Small external stores read with useSyncExternalStore, so render stays pure: a shared clock (one
// timer per interval for the whole page, however many badges read it) and "has hydrated".
import { useEffect, useState, useSyncExternalStore } from 'react';

type Clock = { now: number; listeners: Set<() => void>; timer?: ReturnType<typeof setInterval> };
const clocks = new Map<number, Clock>();

function clock(intervalMs: number): Clock {
  let c = clocks.get(intervalMs);
  if (!c) {
    c = { now: Date.now(), listeners: new Set() };
    clocks.set(intervalMs, c);
  }
  return c;
}

function subscribeClock(intervalMs: number, listener: () => void): () => void {
  const c = clock(intervalMs);
  c.listeners.add(listener);
  if (!c.timer) {
    c.now = Date.now();
    c.timer = setInterval(() => {
      c.now = Date.now();
      c.listeners.forEach((l) => l());
    }, intervalMs);
  }
  return () => {
    c.listeners.delete(listener);
    if (c.listeners.size === 0 && c.timer) {
      clearInterval(c.timer);
      c.timer = undefined;
    }
  };
}

/** The time, moving every `intervalMs`; null while rendering on the server (no clock to agree on). */
export function useNow(intervalMs = 1000): number | null {
  return useSyncExternalStore(
    (l) => subscribeClock(intervalMs, l),
    () => clock(intervalMs).now,
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
