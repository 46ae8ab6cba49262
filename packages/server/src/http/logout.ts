import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { html, page } from '../encoding/html.ts';
import { logoutUrlAllowed } from '../engine/logout-urls.ts';
import type { TenantContext } from '../tenant/context.ts';

export const AUTH0_LOGOUT_PATH = '/v2/logout';

/**
 * `GET /v2/logout?client_id&returnTo[&federated]`: Auth0's logout. Ends the tenant session at once (no
 * confirmation page, as Auth0) and redirects only to an allow-listed URL: the client's
 * `allowed_logout_urls` with `client_id`, the tenant's list without it, matched as Auth0 matches them
 * (engine/logout-urls.ts). Anything else gets a page and no redirect, so the endpoint is never an open
 * redirector.
 */
export function createAuth0Logout(tenant: TenantContext, provider: Provider) {
  return async function auth0Logout(ctx: Context): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') {
      ctx.status = 405;
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    await endSession(ctx, provider);

    const clientId = single(ctx.query.client_id);
    const returnTo = single(ctx.query.returnTo);
    let allowed: string[];
    if (clientId !== undefined) {
      const client = tenant.registry.client(clientId);
      if (!client) return refuse(ctx, 'The client_id does not belong to any application of this tenant.');
      allowed = client.allowed_logout_urls;
    } else {
      allowed = tenant.settings.allowed_logout_urls;
    }
    const target = returnTo ?? (clientId !== undefined ? allowed[0] : undefined);
    if (target === undefined) {
      ctx.type = 'html';
      ctx.body = page('Logged out', html`<h1>You are logged out</h1><p class="lead">You can close this window.</p>`);
      return;
    }
    if (!logoutUrlAllowed(allowed, target)) {
      return refuse(
        ctx,
        'The "returnTo" URL is not in the list of Allowed Logout URLs of this application. Add it to allowed_logout_urls in tenant.yaml.',
      );
    }
    ctx.redirect(target);
  };
}

async function endSession(ctx: Context, provider: Provider): Promise<void> {
  const session = await provider.Session.get(ctx as never);
  if (session.accountId) await session.destroy();
  const name = (provider as unknown as { cookieName(type: string): string }).cookieName('session');
  ctx.cookies.set(name, null);
  ctx.cookies.set(`${name}.sig`, null);
}

function refuse(ctx: Context, message: string): void {
  ctx.status = 400;
  ctx.type = 'html';
  ctx.body = page('Logout', html`<h1>You are logged out</h1><p class="alert" role="alert">${message}</p>`);
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
