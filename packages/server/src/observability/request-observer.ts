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

/**
 * The outermost middleware of an observed tenant: gives every request an id (`X-Request-Id`, echoed on
 * the response), writes one access-log line per request and records its latency and, at the token and
 * revocation endpoints, the error code of a refusal.
 *
 * The access line holds method, route, status, duration, client IP and request id: never the query
 * string (codes, state), the body (passwords, secrets) or headers (cookies, Authorization).
 */
export function createRequestObserver(options: RequestObserverOptions) {
  const { logger, metrics, routeOf } = options;
  const quiet = new Set(options.quietPaths);
  return async function observeRequest(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    const offered = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.set('X-Request-Id', requestId);
    let failed: unknown;
    try {
      await withRequestId(requestId, next);
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      // Koa turns a thrown error into a 500 after this frame; count it as such.
      const status = failed === undefined ? ctx.status : 500;
      const seconds = (performance.now() - started) / 1_000;
      const route = routeOf(ctx.path);
      metrics?.httpRequest(ctx.method, route, status, seconds);
      if (status >= 400 && metrics !== undefined) {
        if (ctx.path === options.tokenPath) metrics.tokenRefused('token', errorCode(ctx.body));
        else if (ctx.path === options.revocationPath) metrics.tokenRefused('revocation', errorCode(ctx.body));
      }
      const logged = status >= 400 || !quiet.has(ctx.path);
      if (logged) {
        logger?.info(
          {
            req_id: requestId,
            method: ctx.method,
            route,
            status,
            duration_ms: Math.round(seconds * 10_000) / 10,
            ip: ctx.request.ip,
          },
          'request',
        );
      }
    }
  };
}

function errorCode(body: unknown): string {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof error === 'string' && ERROR_CODE.test(error) ? error : OTHER;
}
