import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from './logger.ts';
import { OTHER, type TenantMetrics } from './metrics.ts';
import { withRequestId } from './request-id.ts';

export interface RequestObserverOptions {
  logger?: Logger;
  metrics?: TenantMetrics;
  /** The bounded `route` label of a path (see route-label.ts); also what the access log names. */
  routeOf: (path: string) => string;
  /** Paths whose error answers count as token refusals. */
  tokenPath: string;
  revocationPath: string;
  /**
   * Paths whose successful answers get no access line (still timed): the health probes, which a load
   * balancer calls every few seconds and would otherwise drown the log. A failing probe is logged.
   */
  quietPaths?: readonly string[];
}

/** An `X-Request-Id` a proxy may have set: kept when it is short and plain, replaced otherwise. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** OAuth error codes are lower-case words; anything else in a body is not counted under its own name. */
const ERROR_CODE = /^[a-z_]{1,40}$/;

/** One answered request, as the observer records it. */
export interface AnsweredRequest {
  requestId: string;
  method: string;
  path: string;
  status: number;
  seconds: number;
  ip: string;
  /** The response body: an error answer's code is counted at the token and revocation endpoints. */
  body: unknown;
}

/**
 * What the observer does for one request, without Koa: the request id, and the metrics and access line of
 * an answer. The client-credentials fast path (http/client-credentials-fast-path.ts), which answers in front
 * of Koa, records its answers with this, so that they are observed exactly as the engine's.
 */
export interface RequestRecorder {
  /** The request's id: the offered `X-Request-Id` when it is short and plain, a fresh UUID otherwise. */
  requestId(offered: string | undefined): string;
  record(request: AnsweredRequest): void;
}

export function createRequestRecorder(options: RequestObserverOptions): RequestRecorder {
  const { logger, metrics, routeOf } = options;
  const quiet = new Set(options.quietPaths);
  return {
    requestId: (offered) => (offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID()),
    record({ requestId, method, path, status, seconds, ip, body }) {
      const route = routeOf(path);
      metrics?.httpRequest(method, route, status, seconds);
      if (status >= 400 && metrics !== undefined) {
        if (path === options.tokenPath) metrics.tokenRefused('token', errorCode(body));
        else if (path === options.revocationPath) metrics.tokenRefused('revocation', errorCode(body));
      }
      const logged = status >= 400 || !quiet.has(path);
      if (logged) {
        logger?.info(
          { req_id: requestId, method, route, status, duration_ms: Math.round(seconds * 10_000) / 10, ip },
          'request',
        );
      }
    },
  };
}

/**
 * The outermost middleware of an observed tenant: gives every request an id (`X-Request-Id`, echoed on
 * the response), writes one access-log line per request and records its latency and, at the token and
 * revocation endpoints, the error code of a refusal.
 *
 * The access line holds method, route, status, duration, client IP and request id: never the query
 * string (codes, state), the body (passwords, secrets) or headers (cookies, Authorization).
 */
export function createRequestObserver(options: RequestObserverOptions) {
  const recorder = createRequestRecorder(options);
  return async function observeRequest(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    const requestId = recorder.requestId(ctx.get('X-Request-Id'));
    ctx.set('X-Request-Id', requestId);
    let failed: unknown;
    try {
      await withRequestId(requestId, next);
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      recorder.record({
        requestId,
        method: ctx.method,
        path: ctx.path,
        // Koa turns a thrown error into a 500 after this frame; count it as such.
        status: failed === undefined ? ctx.status : 500,
        seconds: (performance.now() - started) / 1_000,
        ip: ctx.request.ip,
        body: ctx.body,
      });
    }
  };
}

function errorCode(body: unknown): string {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof error === 'string' && ERROR_CODE.test(error) ? error : OTHER;
}
