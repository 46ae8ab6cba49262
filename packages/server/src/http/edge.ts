import type { Context, Next } from 'koa';
import { ROUTES } from '../engine/provider.ts';
import { mapTokenError } from './auth0-token-errors.ts';
import { applySecurityHeaders } from './security-headers.ts';
import { copyIssuedScope } from './token-response.ts';

/**
 * The outermost middleware: what every request and response of the tenant goes through, in one place
 * (one async frame per request on the token endpoint's hot path instead of one per concern).
 * - before: the request names the issuer's host, whatever its `Host` header said (checklist AS-G5);
 * - after: Auth0's token-endpoint statuses, texts and `scope`; security headers on every response.
 */
export function createEdge(issuer: string) {
  const { host } = new URL(issuer);
  return async function edge(ctx: Context, next: Next): Promise<void> {
    const headers = ctx.req.headers;
    headers.host = host;
    delete headers['x-forwarded-host'];
    delete headers['x-forwarded-proto'];
    delete headers['x-forwarded-for'];
    try {
      await next();
      if (ctx.path === ROUTES.token || ctx.path === ROUTES.revocation) {
        if (ctx.status >= 400) mapTokenError(ctx);
        else if (ctx.path === ROUTES.token) copyIssuedScope(ctx);
      }
    } finally {
      applySecurityHeaders(ctx);
    }
  };
}
