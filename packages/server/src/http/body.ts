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

/** Reads the whole request body, refusing more than `limit` bytes (checked while streaming, not after). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) throw new BodyError(413, 'request body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Replaces the request body the engine will read with a new urlencoded one. The engine parses the raw
 * stream itself (and warns when something upstream already consumed it), so it is handed a stand-in for
 * the request: the original as prototype (socket, method, url...), with new headers and a body iterator,
 * which is all the engine's body reader uses. Cheaper than a new stream on the token endpoint's hot path.
 */
export function replaceWithFormBody(ctx: Context, form: URLSearchParams): void {
  const original = ctx.req;
  const buffer = Buffer.from(form.toString(), 'utf8');
  const headers: IncomingMessage['headers'] = {
    ...original.headers,
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(buffer.length),
  };
  delete headers['transfer-encoding'];
  const standIn = Object.create(original, {
    headers: { value: headers, writable: true },
    readable: { value: true },
    readableEncoding: { value: null },
    iterator: {
      value: async function* iterator() {
        yield buffer;
      },
    },
  }) as IncomingMessage;
  ctx.req = standIn;
  ctx.request.req = standIn;
}
