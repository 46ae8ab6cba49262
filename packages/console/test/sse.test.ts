import { describe, expect, it } from 'vitest';
import { duration, expiryText } from '../src/format.ts';
import { readSse, SseParser } from '../src/sse.ts';

describe('SseParser: the console reads /console/api/activity with fetch, so it parses Server-Sent Events itself', () => {
  it('dispatches an event at the blank line, with its id, type and data', () => {
    const parser = new SseParser();
    expect(parser.push('id: 7\nevent: activity\ndata: {"type":"token"}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ id: '7', event: 'activity', data: '{"type":"token"}' }]);
  });

  it('joins split chunks, even mid-line and between CR and LF', () => {
    const parser = new SseParser();
    const text = 'id: 1\r\nevent: activity\r\ndata: {"a":\r\ndata: 1}\r\n\r\n';
    const out = [...text].flatMap((char) => parser.push(char));
    expect(out).toEqual([{ id: '1', event: 'activity', data: '{"a":\n1}' }]);
  });

  it('ignores comments (the keep-alive) and blank lines without data; the type defaults to message', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\n\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('reads a response body to its end', async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('id: 1\nevent: activity\ndata: {"n":1}\n\nid: 2\nevent: act'));
        controller.enqueue(encoder.encode('ivity\ndata: {"n":2}\n\n'));
        controller.close();
      },
    });
    const seen: string[] = [];
    await readSse(body, (message) => seen.push(`${message.id} ${message.data}`));
    expect(seen).toEqual(['1 {"n":1}', '2 {"n":2}']);
  });
});

describe('expiry in words', () => {
  it('says how long ago a token expired, and when', () => {
    expect(expiryText({ expired: true, exp: '2026-12-06T15:00:00.000Z', seconds: -180 })).toBe(
      'Expired 3 min ago, at 2026-12-06T15:00:00.000Z',
    );
    expect(expiryText({ expired: false, exp: '2026-12-06T16:00:00.000Z', seconds: 3420 })).toBe(
      'Expires in 57 min, at 2026-12-06T16:00:00.000Z',
    );
    expect([duration(40), duration(7200), duration(3 * 86400)]).toEqual(['40 s', '2 h', '3 days']);
  });
});
