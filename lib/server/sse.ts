// Server-sent event streams as web Responses (Next route handlers return them as they are).
// A stream ends when the client goes away (request aborted or the body cancelled) or when the
// server closes it; either way `onClose` runs once.

const encoder = new TextEncoder();

export function sseFrame(event: string, data: unknown, id?: string | number): Uint8Array {
  return encoder.encode(`event: ${event}\n${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}

const PING = encoder.encode(': ping\n\n');
/** A client that stops reading is dropped before the server buffers more than this. */
const MAX_BUFFERED = 4 * 1024 * 1024;

export interface SseSink {
  send(frame: Uint8Array): boolean;
  ping(): void;
  close(): void;
  readonly closed: boolean;
}

export function sseResponse(signal: AbortSignal | undefined, open: (sink: SseSink) => void, onClose: () => void, headers: Record<string, string> = {}): Response {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', finish);
    try {
      controller.close();
    } catch {
      /* already closed or cancelled */
    }
    onClose();
  };
  const sink: SseSink = {
    send(frame) {
      if (closed) return false;
      if ((controller.desiredSize ?? 0) < -MAX_BUFFERED) {
        finish();
        return false;
      }
      try {
        controller.enqueue(frame);
        return true;
      } catch {
        finish();
        return false;
      }
    },
    ping() {
      sink.send(PING);
    },
    close: finish,
    get closed() {
      return closed;
    },
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      // a retry hint for EventSource clients, and a first byte so proxies flush the headers
      c.enqueue(encoder.encode('retry: 3000\n\n'));
      if (signal?.aborted) return finish();
      signal?.addEventListener('abort', finish);
      open(sink);
    },
    cancel() {
      finish();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    },
  });
}
