import type { Context, Next } from 'koa';

/**
 * Every URL the tenant writes (discovery endpoints, redirects, login form actions) is built from the
 * configured issuer, never from the request's `Host` or `X-Forwarded-*` headers, so a forged header cannot
 * poison discovery (checklist AS-G5, attack O17). The engine builds URLs from the request, so the request
 * is made to name the issuer's host before the engine sees it.
 */
export function createPinHost(issuer: string) {
  const { host } = new URL(issuer);
  return async function pinHost(ctx: Context, next: Next): Promise<void> {
    ctx.req.headers.host = host;
    delete ctx.req.headers['x-forwarded-host'];
    delete ctx.req.headers['x-forwarded-proto'];
    await next();
  };
}
