import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SseParser, type SseEvent } from './sse';

function parseAll(chunks: string[]): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.feed(c);
  return { events, parser };
}

describe('SseParser', () => {
  it('parses named events, multi-line data, ids, retry and comments', () => {
    const { events, parser } = parseAll([': hello\n\nevent: desired\nid: 7\ndata: {"a":1,\ndata: "b":2}\n\nretry: 2500\ndata: plain\n\n']);
    expect(events).toEqual([
      { event: 'desired', data: '{"a":1,\n"b":2}', id: '7' },
      { event: 'message', data: 'plain', id: '7' }, // the last id sticks
    ]);
    expect(parser.retryMs).toBe(2500);
  });

  it('accepts CRLF and lone CR line ends, and a CRLF split across chunks', () => {
    const { events } = parseAll(['event: a\r', '\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r', '\n']);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('ignores an event without data and keeps a field without colon as empty', () => {
    const { events } = parseAll(['event: x\n\ndata\n\n']);
    expect(events).toEqual([{ event: 'message', data: '', id: undefined }]);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    const stream = 'event: desired\ndata: {"revision":1}\n\n: ping\n\nevent: reconcile\r\ndata: {}\r\n\r\ndata: x\ndata: y\n\n';
    const whole = parseAll([stream]).events;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(stream.slice(prev, p));
          prev = p;
        }
        chunks.push(stream.slice(prev));
        expect(parseAll(chunks).events).toEqual(whole);
      }),
    );
    expect(whole).toHaveLength(3);
  });
});
