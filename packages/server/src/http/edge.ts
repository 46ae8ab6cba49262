import type { Context, Next } from 'koa';
import { requestState } from '../engine/request-state.ts';
import { ROUTES } from '../engine/routes.ts';
import { isStorageFailure, STORAGE_RETRY_AFTER_S } from '../storage/unavailable.ts';
import { applyAuth0TokenError } from './auth0-token-errors.ts';
import { type ClientIpResolver, createClientIpResolver } from './client-ip.ts';
import { applySecurityHeaders } from './security-headers.ts';
import { copyIssuedScope } from './token-response.ts';

export interface EdgeOptions {
  issuer: string;
  /** How the client's IP is found (socket peer, or X-Forwarded-For from a trusted proxy). */
  clientIp?: ClientIpResolver;
  /** Told of every refused request at /oauth/token and /oauth/revoke, once Auth0's answer is set (the activity feed). */
  onTokenRefusal?: (ctx: Context) => void;
}

/**
 * A dev tenant's HSTS lifetime when it serves HTTPS: one hour, so that a browser that once saw
 * `https://localhost:4000` does not refuse a plain-http tenant on the same port for a year afterwards.
 * Production deployments set their own policy at the TLS terminator.
 */
export const DEV_HSTS = 'max-age=3600';

/**
 * The outermost middleware: what every request and response of the tenant goes through, in one place
 * (one async frame per request on the token endpoint's hot path instead of one per concern).
 * - before: the client IP is resolved once; the request names the issuer's host, whatever its `Host` and
 *   `X-Forwarded-*` headers said (the issuer is configuration, never derived from a request);
 * - after: Auth0's token-endpoint statuses, texts and `scope`; `no-store` on token responses
 *   (RFC 6749 §5.1); security headers on every response, HSTS when served over HTTPS;
 * - on failure: storage that cannot answer (a database restarting) is 503 with `Retry-After`, whether the
 *   error was thrown through here (login pages, the Auth0 layer) or caught and reported by the engine
 *   (`engineError`), never a 500 with a stack.
 */
export function createEdge(options: EdgeOptions) {
  const { host, protocol } = new URL(options.issuer);
  const clientIp = options.clientIp ?? createClientIpResolver();
  const hsts = protocol === 'https:';
  return async function edge(ctx: Context, next: Next): Promise<void> {
    // Decided before X-Forwarded-For is dropped (see client-ip.ts).
    ctx.request.ip = clientIp(ctx.req);
    const headers = ctx.req.headers;
    headers.host = host;
    delete headers['x-forwarded-host'];
    delete headers['x-forwarded-proto'];
    delete headers['x-forwarded-for'];
    try {
      try {
        await next();
      } catch (error) {
        if (!isStorageFailure(error)) throw error;
        // Answered, not re-thrown: Koa would print the stack; the access line records the 503.
        answerStorageUnavailable(ctx);
        return;
      }
      // Whatever the engine made of it (a 500, or at /authorize a redirect to the app with `server_error`):
      // the user can retry in a moment, the app could not.
      if (isStorageFailure(requestState(ctx).engineError)) {
        answerStorageUnavailable(ctx);
        return;
      }
      if (ctx.path === ROUTES.token || ctx.path === ROUTES.revocation) {
        if (ctx.status >= 400) {
          applyAuth0TokenError(ctx);
          options.onTokenRefusal?.(ctx);
        } else if (ctx.path === ROUTES.token) copyIssuedScope(ctx);
        ctx.set('Cache-Control', 'no-store');
        ctx.set('Pragma', 'no-cache');
      }
    } finally {
      if (hsts) ctx.set('Strict-Transport-Security', DEV_HSTS);
      applySecurityHeaders(ctx);
    }
  };
}

/** 503 in the OAuth error shape (what the engine's clients parse), never cached. */
function answerStorageUnavailable(ctx: Context): void {
  ctx.status = 503;
  ctx.set('Retry-After', String(STORAGE_RETRY_AFTER_S));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    error: 'temporarily_unavailable',
    error_description: 'The tenant storage is unavailable. Retry later.',
  };
}
