import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityStreams } from '../../src/console/activity-stream.ts';
import { ActivityFeed } from '../../src/tenant/activity.ts';

/** An HTTP server whose every request opens a stream of `streams` (the Koa context is what `open` reads). */
async function serve(streams: ActivityStreams, endsAt?: () => number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const ctx = { req, res, respond: true, status: 404, body: undefined, set: () => {} };
    streams.open(ctx as unknown as Context, endsAt?.());
    if (ctx.respond) {
      res.writeHead(ctx.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ctx.body));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Reads the stream until `count` events arrived (or the deadline), returning their data. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number, timeoutMs = 5_000): Promise<unknown[]> {
  const events: unknown[] = [];
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (events.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), left);
      }),
    ]);
    clearTimeout(timer);
    if (chunk === undefined || chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .find((line) => line.startsWith('data: '));
      if (data) events.push(JSON.parse(data.slice('data: '.length)));
      buffer = buffer.slice(end + 2);
    }
  }
  reader.releaseLock();
  return events;
}

describe('ActivityStreams', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    server?.close();
    server = undefined;
  });

  it('subscribes while a client is connected and unsubscribes when it disconnects', async () => {
    const feed = new ActivityFeed();
    const streams = new ActivityStreams(feed);
    const served = await serve(streams);
    server = served.server;
    expect(feed.listening).toBe(false);
    const abort = new AbortController();
    const response = await fetch(served.url, { signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(feed.listening).toBe(true);
    feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message: 'one' }));
    expect(await readEvents(response.body as ReadableStream<Uint8Array>, 1)).toMatchObject([{ message: 'one' }]);

    abort.abort();
    const deadline = Date.now() + 5_000;
    while (feed.listening && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(feed.listening).toBe(false);
    expect(streams.size).toBe(0);
  });

  it('drops events for a client whose socket buffer is full instead of queueing them', async () => {
    const feed = new ActivityFeed();
    // A buffer of one byte: the second event published before the first has left the socket is dropped.
    const streams = new ActivityStreams(feed, { maxBufferedBytes: 1 });
    const served = await serve(streams);
    server = served.server;
    const response = await fetch(served.url);
    for (const message of ['first', 'second', 'third']) {
      feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message }));
    }
    // The socket takes the first event at once; the write completes on the next tick and the buffer is empty again.
    await new Promise((resolve) => setImmediate(resolve));
    feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message: 'later' }));
    const received = await readEvents(response.body as ReadableStream<Uint8Array>, 2);
    expect(received).toMatchObject([{ message: 'first' }, { message: 'later' }]);
  });

  it('sends each event to every open stream', async () => {
    const feed = new ActivityFeed();
    const streams = new ActivityStreams(feed);
    const served = await serve(streams);
    server = served.server;
    const first = await fetch(served.url);
    const second = await fetch(served.url);
    feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message: 'one' }));
    feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message: 'two' }));
    for (const response of [first, second]) {
      const events = await readEvents(response.body as ReadableStream<Uint8Array>, 2);
      expect(events).toMatchObject([
        { id: 1, message: 'one' },
        { id: 2, message: 'two' },
      ]);
    }
  });

  it('ends a stream when the token that opened it expires, and only then', async () => {
    const feed = new ActivityFeed();
    const streams = new ActivityStreams(feed);
    let expiresAt = Date.now() + 300;
    const served = await serve(streams, () => expiresAt);
    server = served.server;
    const response = await fetch(served.url);
    // Still open before the expiry: an event published now arrives.
    feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message: 'live' }));
    const text = await response.text();
    // Timers do not fire early (a few ms of slack for the two clocks' rounding).
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 5);
    expect(text).toContain('"message":"live"');
    const deadline = Date.now() + 5_000;
    while (feed.listening && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(feed.listening).toBe(false);

    // A token valid for longer than a timer can hold (about 24.8 days) does not end the stream at once.
    expiresAt = Date.now() + 30 * 86_400_000;
    const longLived = await fetch(served.url);
    feed.publish(() => ({ type: 'action_log', action: 'a', trigger: 'post-login', level: 'log', message: 'still' }));
    expect(await readEvents(longLived.body as ReadableStream<Uint8Array>, 1)).toMatchObject([{ message: 'still' }]);
    expect(feed.listening).toBe(true);
  });

  it('ends every open stream on close()', async () => {
    const feed = new ActivityFeed();
    const streams = new ActivityStreams(feed);
    const served = await serve(streams);
    server = served.server;
    const response = await fetch(served.url);
    streams.close();
    const text = await response.text();
    expect(text).toBe(': authmesh activity\n\n');
  });
});
