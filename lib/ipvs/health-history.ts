// What a real server's health history means: availability over a window and flapping, computed
// from its transitions alone (pure; the agent's monitor and the console's history both use it).

/** A transition as the history keeps it: the time (ms) and the state entered. */
export interface Flip {
  at: number;
  healthy: boolean;
}

/** The windows the console reports availability over. */
export const AVAILABILITY_WINDOWS = { '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000, '30d': 30 * 24 * 3600_000 } as const;
export type AvailabilityWindow = keyof typeof AVAILABILITY_WINDOWS;

/** `n` or more transitions within the `windowMs` before `now` (inclusive of both ends). */
export function isFlapping(times: readonly number[], now: number, n: number, windowMs: number): boolean {
  let count = 0;
  for (const t of times) if (t <= now && t >= now - windowMs) count++;
  return count >= n;
}

export interface Availability {
  /** fraction of the known part of the window the server was healthy, 0..1; null when nothing is known */
  ratio: number | null;
  /** milliseconds of the window the history covers */
  knownMs: number;
  downMs: number;
  transitions: number;
}

/**
 * Availability over [now - windowMs, now]. `flips` in any order; each transition's state holds
 * until the next one. Before the first transition the server was in the state it left (a monitor
 * only reports a change), counted from `knownSince` (when the server was first watched; default:
 * the window's start). With no transition at all, `current` (the live verdict) held all along.
 */
export function availability(flips: readonly Flip[], now: number, windowMs: number, opts: { current?: boolean; knownSince?: number } = {}): Availability {
  const from = Math.max(now - windowMs, opts.knownSince ?? -Infinity);
  const sorted = [...flips].filter((f) => f.at <= now).sort((a, b) => a.at - b.at);
  if (from >= now) return { ratio: null, knownMs: 0, downMs: 0, transitions: 0 };
  let state: boolean | undefined;
  for (const f of sorted) if (f.at <= from) state = f.healthy;
  const inside = sorted.filter((f) => f.at > from);
  if (state === undefined) state = inside.length ? !inside[0]!.healthy : opts.current;
  if (state === undefined) return { ratio: null, knownMs: 0, downMs: 0, transitions: 0 };
  let downMs = 0;
  let t = from;
  for (const f of inside) {
    if (!state) downMs += f.at - t;
    t = f.at;
    state = f.healthy;
  }
  if (!state) downMs += now - t;
  const knownMs = now - from;
  return { ratio: (knownMs - downMs) / knownMs, knownMs, downMs, transitions: inside.length };
}
