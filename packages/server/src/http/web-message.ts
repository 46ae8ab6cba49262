import type { Context, Next } from 'koa';
import { matchesRegisteredUrl } from '../config/wildcard-urls.ts';
import { html, page } from '../encoding/html.ts';
import type { TenantContext } from '../tenant/context.ts';

/**
 * `response_mode=web_message` (auth0-spa-js silent authentication in a hidden iframe) with Auth0's rule:
 * the page that embeds the iframe must be one of the client's Allowed Web Origins. Checked before the
 * engine answers, so a foreign origin never receives a message; the answer page may be framed only by
 * that origin (RFC 9700 §4.16, §4.17), and the message is posted to that origin, never to `*` (the engine
 * posts to the redirect_uri's origin).
 */
export function createWebMessageGuard(tenant: TenantContext) {
  return async function webMessageGuard(ctx: Context, next: Next): Promise<void> {
    if (ctx.query.response_mode !== 'web_message') return next();
    const clientId = typeof ctx.query.client_id === 'string' ? ctx.query.client_id : undefined;
    const redirectUri = typeof ctx.query.redirect_uri === 'string' ? ctx.query.redirect_uri : undefined;
    const client = clientId === undefined ? undefined : tenant.registry.client(clientId);
    const origin = redirectUri === undefined ? undefined : URL.parse(redirectUri)?.origin;
    // Wildcard subdomains match as Auth0 matches them (config/wildcard-urls.ts).
    const registered =
      client !== undefined &&
      redirectUri !== undefined &&
      client.callbacks.some((callback) => matchesRegisteredUrl(callback, redirectUri));
    if (
      registered &&
      (origin === undefined || !client.web_origins.some((allowed) => matchesRegisteredUrl(allowed, origin)))
    ) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page(
        'Origin not allowed',
        html`<h1>Origin not allowed</h1><p class="alert" role="alert">The origin of the redirect_uri is not in the Allowed Web Origins of this application. Add it to web_origins in tenant.yaml.</p>`,
      );
      return;
    }
    // The engine appends the hash of its one inline script to script-src, so only that script runs.
    ctx.set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    await next();
    // The engine strips frame-ancestors from a web_message answer; only the validated origin may frame it.
    const csp = ctx.response.get('Content-Security-Policy');
    if (typeof csp === 'string' && !csp.includes('frame-ancestors')) {
      ctx.set('Content-Security-Policy', `${csp}; frame-ancestors ${registered && origin ? origin : "'none'"}`);
    } else {
      ctx.set('X-Frame-Options', 'DENY');
    }
  };
}
