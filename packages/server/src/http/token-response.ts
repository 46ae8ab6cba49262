import type { Context } from 'koa';
import { requestState } from '../engine/request-state.ts';

/**
 * Auth0 echoes the OIDC scopes (and `offline_access`) in the token response's `scope`, not only the API
 * scopes; auth0-spa-js compares it with what it asked for. The engine reports only the API scopes, so the
 * scope the customizer wrote into the access token is copied into the response.
 */
export function copyIssuedScope(ctx: Context): void {
  if (ctx.status !== 200) return;
  const issued = requestState(ctx).issuedScope;
  const body = ctx.body as Record<string, unknown> | undefined;
  if (typeof issued === 'string' && body && typeof body.access_token === 'string') body.scope = issued;
}
