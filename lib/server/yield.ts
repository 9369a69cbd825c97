// Long requests (a large import's parse, diff and plans) run in phases of at most ~100 ms and let
// the event loop answer other requests between them (issue 11 #7: a health check stalled seconds).
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How long a phase of a long request runs before it lets other requests in (a commit's planning yielded per director before, and waited on every stats POST in between). */
export const PHASE_MS = 25;

/** A yield that happens only once `budgetMs` of work has passed since the last one: loops over many small items stay responsive without paying a turn of the event loop per item. */
export function yieldEvery(budgetMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await yieldToEventLoop();
    since = performance.now();
  };
}
