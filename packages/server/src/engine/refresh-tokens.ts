import { type Client, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { TenantContext } from '../tenant/context.ts';
import { resourceToAudience } from './audience.ts';
import { requestState } from './request-state.ts';

/** Auth0 caps even "infinite" refresh tokens; a year is the rotating maximum it documents. */
const YEAR = 31_557_600;

/**
 * `issueRefreshToken`: Auth0 issues a refresh token only when `offline_access` was granted, the client may
 * use the refresh_token grant, and the requested API (if any) has `allow_offline_access`.
 */
export function createIssueRefreshToken(tenant: TenantContext) {
  return async function issueRefreshToken(
    _ctx: KoaContextWithOIDC,
    client: Client,
    source: { scopes: Set<string>; resource?: string | string[] },
  ): Promise<boolean> {
    if (!client.grantTypeAllowed('refresh_token') || !source.scopes.has('offline_access')) return false;
    // The requested audience decides (the first resource; any others are MRRT policy audiences, which
    // Auth0 does not require to allow offline access themselves).
    const primary = source.resource === undefined ? undefined : [source.resource].flat()[0];
    if (primary === undefined) return true;
    const audience = resourceToAudience(primary);
    return audience !== undefined && tenant.registry.resourceServer(audience)?.allow_offline_access === true;
  };
}

/**
 * `ttl.RefreshToken`: the absolute lifetime counts from the first token of the family (`iiat`) and never
 * extends on rotation; the idle lifetime restarts at every exchange. The token expires at the earlier.
 */
export function createRefreshTokenTtl(tenant: TenantContext) {
  return function refreshTokenTtl(
    _ctx: KoaContextWithOIDC,
    token: { iiat?: number; iat?: number },
    client: Client,
  ): number {
    const settings = tenant.registry.client(client.clientId)?.refresh_token;
    if (!settings) return YEAR;
    const now = Math.floor(Date.now() / 1000);
    const start = token.iiat ?? token.iat ?? now;
    const absolute = settings.infinite_token_lifetime ? YEAR : settings.token_lifetime;
    const remaining = Math.max(1, start + absolute - now);
    const idle = settings.infinite_idle_token_lifetime ? YEAR : settings.idle_token_lifetime;
    return Math.min(remaining, idle);
  };
}

/**
 * `rotateRefreshToken`: runs after the engine found the presented refresh token and before it consumes it.
 * - Auth0 rotates for clients with `rotation_type: rotating`.
 * - A token swapped in by the rotation-overlap layer (`keepRefreshToken`) is handed back as it is: it is
 *   already the family's live token, and rotating it again would leave two live chains.
 * - An `audience` the token was not issued for is refused here, before consumption: the engine checks the
 *   resource only after rotating, which would burn the client's only refresh token for a typo.
 */
export function createRotateRefreshToken(tenant: TenantContext) {
  return function rotateRefreshToken(ctx: KoaContextWithOIDC): boolean {
    const presented = ctx.oidc.entities.RefreshToken as { resourceIndicators?: Set<string> } | undefined;
    const resource = ctx.oidc.params?.resource;
    if (typeof resource === 'string' && presented?.resourceIndicators && !presented.resourceIndicators.has(resource)) {
      throw new errors.InvalidTarget();
    }
    if (requestState(ctx).keepRefreshToken === true) return false;
    const client = ctx.oidc.client ? tenant.registry.client(ctx.oidc.client.clientId) : undefined;
    return client?.refresh_token.rotation_type === 'rotating';
  };
}
