// Long requests (a large import's parse, diff and plans) run in phases of at most ~100 ms and let
// the event loop answer other requests between them (issue 11 #7: a health check stalled seconds).
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
