// Server-sent events, parsed by hand (WHATWG "event stream interpretation") so the agent needs no
// package: fields event/data/id/retry, comments, CR/LF/CRLF line ends, multi-line data.

export interface SseEvent {
  event: string; // "message" when the server gave no event: field
  data: string;
  id: string | undefined;
}

/**
 * The biggest line and event the agent accepts (characters). A desired revision is the largest
 * event and is far below this; a stream that never ends its line or event is cut off with
 * SseLimitError instead of growing the agent's memory until it dies.
 */
export const SSE_LIMITS = { maxLine: 64 * 1024 * 1024, maxEvent: 64 * 1024 * 1024 };

export class SseLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseLimitError';
  }
}

/** Incremental parser: feed it decoded text chunks as they arrive; it calls back once per event. */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private eventSize = 0;
  private scanned = 0;
  private event = '';
  private id: string | undefined;
  /** The last id: seen (sticky across events, as in the spec). */
  lastEventId: string | undefined;
  /** The server's retry: hint in ms, if any. */
  retryMs: number | undefined;

  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    private readonly limits: { maxLine: number; maxEvent: number } = SSE_LIMITS,
  ) {}

  /** Throws SseLimitError when a line or an event outgrows its bound (the caller drops the stream). */
  feed(chunk: string): void {
    this.buf += chunk;
    const eol = /\r\n|\r|\n/g;
    for (;;) {
      // resume where the last scan stopped: a long line costs O(length), not O(length²)
      eol.lastIndex = this.scanned;
      const m = eol.exec(this.buf);
      if (!m) {
        if (this.buf.length > this.limits.maxLine) throw new SseLimitError(`event-stream line longer than ${this.limits.maxLine} characters`);
        this.scanned = this.buf.length;
        break;
      }
      // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (m[0] === '\r' && m.index === this.buf.length - 1) {
        this.scanned = m.index;
        break;
      }
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.scanned = 0;
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.eventSize += value.length + 1;
        if (this.eventSize > this.limits.maxEvent) throw new SseLimitError(`event-stream event larger than ${this.limits.maxEvent} characters`);
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    if (this.id !== undefined) this.lastEventId = this.id;
    if (this.data.length > 0) {
      this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId });
    }
    this.data = [];
    this.eventSize = 0;
    this.event = '';
    this.id = undefined;
  }
}
