// Read server-sent events from a Response body (or a fetch stream): next(event) waits for the
// next frame of that event type, with a timeout that fails the test rather than hanging it.
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseReader {
  private buf = '';
  private queue: SseEvent[] = [];
  private waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  private done = false;
  readonly pump: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const dec = new TextDecoder();
    this.pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.buf += dec.decode(value, { stream: true });
          let i: number;
          while ((i = this.buf.indexOf('\n\n')) >= 0) {
            const frame = this.buf.slice(0, i);
            this.buf = this.buf.slice(i + 2);
            const e: SseEvent = { event: 'message', data: '' };
            const data: string[] = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith(':')) continue;
              const c = line.indexOf(':');
              const k = c < 0 ? line : line.slice(0, c);
              const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
              if (k === 'event') e.event = v;
              else if (k === 'data') data.push(v);
              else if (k === 'id') e.id = v;
            }
            if (!data.length) continue;
            e.data = data.join('\n');
            const w = this.waiters.findIndex((x) => x.pred(e));
            if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(e);
            else this.queue.push(e);
          }
        }
      } catch {
        /* cancelled */
      } finally {
        this.done = true;
      }
    })();
    this.cancel = () => reader.cancel().catch(() => undefined);
  }

  readonly cancel: () => Promise<unknown>;

  get closed(): boolean {
    return this.done;
  }

  next<T = unknown>(event: string, timeoutMs = 10_000, pred: (data: T) => boolean = () => true): Promise<T> {
    const match = (e: SseEvent) => e.event === event && pred(JSON.parse(e.data) as T);
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(JSON.parse(this.queue.splice(i, 1)[0]!.data) as T);
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "${event}" event within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred: match, resolve: (e) => (clearTimeout(t), resolve(JSON.parse(e.data) as T)) });
    });
  }

  /** Events of this type already received and not consumed. */
  pending(event: string): number {
    return this.queue.filter((e) => e.event === event).length;
  }
}
