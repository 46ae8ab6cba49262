import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One scripted answer. Without `status` and `body`, the fallback's answer (a 200 token answer by default). */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON, a string as is. */
  body?: unknown;
  /** Reset the TCP connection (RST) instead of answering: the client sees ECONNRESET. */
  reset?: boolean;
  /** Close the connection (FIN) without answering: the client sees "other side closed". */
  close?: boolean;
  /** Never answer (until the server closes). */
  hang?: boolean;
  /** Answer only once this settles: lets a test hold a response while it checks what callers see meanwhile. */
  hold?: Promise<unknown>;
}

/** A request as the endpoint received it. */
export interface RecordedRequest {
  /** `performance.now()` at arrival. */
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

/** A local token endpoint on 127.0.0.1 that counts requests and answers from a per-test script. */
export interface FakeTokenEndpoint {
  /** `http://127.0.0.1:<port>/`, usable as `issuerBaseURL` (the token endpoint is `<issuer>oauth/token`). */
  issuer: string;
  requests: RecordedRequest[];
  /** Queues answers, used in order; when the queue is empty, `fallback` answers. */
  reply(...replies: ScriptedReply[]): void;
  /** Default: a 200 token answer whose token is `token-<n>` (n counts from 1). */
  fallback: (request: RecordedRequest, n: number) => ScriptedReply | Promise<ScriptedReply>;
  /** Resolves once at least `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A token answer body. */
export function tokenBody(accessToken: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { access_token: accessToken, expires_in: 3600, token_type: 'Bearer', ...overrides };
}

export async function startFakeTokenEndpoint(): Promise<FakeTokenEndpoint> {
  const queue: ScriptedReply[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const endpoint: FakeTokenEndpoint = {
    issuer: '',
    requests: [],
    reply: (...replies) => {
      queue.push(...replies);
    },
    fallback: (request, n) => ({ body: tokenBody(`token-${n}`, { scope: request.form.get('scope') ?? undefined }) }),
    received: (count) =>
      endpoint.requests.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: RecordedRequest = {
      at: performance.now(),
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
    };
    endpoint.requests.push(request);
    const n = endpoint.requests.length;
    for (const waiter of waiters.filter((w) => n >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const queued = queue.shift();
    // A queued reply without status and body (only `hold`, say) answers like the fallback.
    const reply =
      queued && (queued.status !== undefined || queued.body !== undefined)
        ? queued
        : { ...(await endpoint.fallback(request, n)), ...queued };
    if (reply.hold) await reply.hold;
    if (reply.hang) return;
    if (reply.close) {
      req.socket.destroy();
      return;
    }
    if (reply.reset) {
      req.socket.resetAndDestroy();
      return;
    }
    const body =
      reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...reply.headers,
    });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return endpoint;
}
