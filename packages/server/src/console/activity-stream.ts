import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { ActivityEvent, ActivityFeed } from '../tenant/activity.ts';

/** The longest delay a Node.js timer holds (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

export interface ActivityStreamOptions {
  /** Open streams at most; one more is answered 503 (each holds a socket and a feed subscription). */
  maxStreams?: number;
  /** A `: keep-alive` comment this often, so proxies and the browser keep an idle stream open. */
  keepAliveMs?: number;
  /**
   * A stream whose socket has this many bytes not yet sent (a console that stopped reading) skips events
   * until it catches up, instead of the tenant buffering them without bound.
   */
  maxBufferedBytes?: number;
}

export const DEFAULT_MAX_STREAMS = 8;
const KEEP_ALIVE_MS = 15_000;
const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * The console's live activity as Server-Sent Events (`GET /console/api/activity`): each stream subscribes
 * to the tenant's {@link ActivityFeed} while its client is connected and unsubscribes when it goes, so
 * the feed builds events only while at least one console is open.
 */
export class ActivityStreams {
  readonly #feed: ActivityFeed;
  readonly #maxStreams: number;
  readonly #keepAliveMs: number;
  readonly #maxBuffered: number;
  readonly #open = new Set<ServerResponse>();
  #lastEvent: ActivityEvent | undefined;
  #lastText = '';

  constructor(feed: ActivityFeed, options: ActivityStreamOptions = {}) {
    this.#feed = feed;
    this.#maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.#keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
    this.#maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  }

  /** Streams open now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Takes the response over (Koa no longer writes it) and streams events until the client disconnects, or
   * until `endsAt` (epoch ms): the expiry of the token that opened it.
   * Beyond the limit the answer is 503 with `Retry-After`, in the Management API's error shape.
   */
  open(ctx: Context, endsAt?: number): void {
    if (this.#open.size >= this.#maxStreams) {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        statusCode: 503,
        error: 'Service Unavailable',
        message: `At most ${this.#maxStreams} activity streams may be open at once: close another console.`,
        errorCode: 'too_many_streams',
      };
      return;
    }
    const res = ctx.res;
    ctx.respond = false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // A buffering reverse proxy would hold events back until its buffer fills.
      'X-Accel-Buffering': 'no',
    });
    res.write(': authmesh activity\n\n');
    this.#open.add(res);
    const unsubscribe = this.#feed.subscribe((event) => this.#send(res, event));
    const keepAlive = setInterval(() => {
      if (res.writableLength < this.#maxBuffered) res.write(': keep-alive\n\n');
    }, this.#keepAliveMs);
    keepAlive.unref();
    // Ends the stream when the token that opened it expires. A timer holds at most about 24.8 days (a longer
    // delay would fire at once): a token living longer than that is not ended by this one.
    const left = endsAt === undefined ? undefined : Math.max(0, endsAt - Date.now());
    const end = left === undefined || left > MAX_TIMER_MS ? undefined : setTimeout(() => res.end(), left);
    end?.unref();
    res.once('close', () => {
      clearTimeout(end);
      clearInterval(keepAlive);
      unsubscribe();
      this.#open.delete(res);
    });
  }

  /** Ends every open stream (the tenant is stopping: a graceful drain must not wait for consoles). */
  close(): void {
    for (const res of this.#open) res.end();
  }

  #send(res: ServerResponse, event: ActivityEvent): void {
    // Dropped, not queued: a console that cannot keep up misses events rather than growing the tenant's memory.
    if (res.writableEnded || res.writableLength >= this.#maxBuffered) return;
    // The events of one turn of the event loop (a burst of tokens) leave in one write, not one syscall each.
    if (res.writableCorked === 0) {
      res.cork();
      setImmediate(() => res.uncork());
    }
    // The feed hands every stream the same event object in turn: serialised once for all of them.
    if (event !== this.#lastEvent) {
      this.#lastEvent = event;
      this.#lastText = `id: ${event.id}\nevent: activity\ndata: ${JSON.stringify(event)}\n\n`;
    }
    res.write(this.#lastText);
  }
}
