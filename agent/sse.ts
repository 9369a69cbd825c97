// Server-sent events, parsed by hand (WHATWG "event stream interpretation") so the agent needs no
// package: fields event/data/id/retry, comments, CR/LF/CRLF line ends, multi-line data.

export interface SseEvent {
  event: string; // "message" when the server gave no event: field
  data: string;
  id: string | undefined;
}

/** Incremental parser: feed it decoded text chunks as they arrive; it calls back once per event. */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  /** The last id: seen (sticky across events, as in the spec). */
  lastEventId: string | undefined;
  /** The server's retry: hint in ms, if any. */
  retryMs: number | undefined;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  feed(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
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
      case 'event': this.event = value; break;
      case 'data': this.data.push(value); break;
      case 'id': if (!value.includes('\0')) this.id = value; break;
      case 'retry': if (/^\d+$/.test(value)) this.retryMs = Number(value); break;
      default: break; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    if (this.id !== undefined) this.lastEventId = this.id;
    if (this.data.length > 0) {
      this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId });
    }
    this.data = [];
    this.event = '';
    this.id = undefined;
  }
}
