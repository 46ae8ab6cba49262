import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';

/** Request bodies above this are refused before parsing (the engine's own limit is 56 KiB). */
export const MAX_BODY_BYTES = 56 * 1024;

export class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * A body already read by a handler in front of the Koa chain (the client-credentials fast path), kept on the
 * request itself. Not a WeakMap: one entry per token request made every young-generation GC walk thousands of
 * ephemerons (scavenges three times longer under load).
 */
const bodyRead = Symbol('authmesh.bodyRead');
type ReadRequest = IncomingMessage & { [bodyRead]?: Promise<Buffer> };

/**
 * Reads the whole request body, refusing more than `limit` bytes (checked while streaming, not after).
 * Event-based rather than `for await`: this runs on every token request. A body a handler in front of the
 * Koa chain read with {@link readBodyOnce} is not read again: the same bytes (or the same refusal) come back.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const read = (req as ReadRequest)[bodyRead];
  if (read !== undefined) return read;
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) return Promise.reject(new BodyError(413, 'request body too large'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyError(413, 'request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

/**
 * Reads the body as {@link readBody} does, for a handler that may still pass the request on: a stream can be
 * read only once, so a later {@link readBody} of the same request returns this read's outcome.
 */
export function readBodyOnce(req: IncomingMessage): Promise<Buffer> {
  const read = readBody(req);
  (req as ReadRequest)[bodyRead] = read;
  return read;
}

/**
 * Hands a rewritten urlencoded body to the engine. The engine reads the raw stream itself unless it has
 * been consumed, in which case it takes `req.body` (and logs a one-time notice, silenced in
 * `engine/quiet-runtime-notice.ts` because this is deliberate). The content type is set to urlencoded
 * because the engine accepts only that at its token and revocation endpoints.
 */
export function handOverFormBody(ctx: Context, form: URLSearchParams): void {
  const body: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key);
    body[key] = values.length === 1 ? (values[0] as string) : values;
  }
  ctx.req.headers['content-type'] = 'application/x-www-form-urlencoded';
  (ctx.req as IncomingMessage & { body?: unknown }).body = body;
}
