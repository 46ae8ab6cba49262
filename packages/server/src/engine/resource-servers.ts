import { type Client, errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { TenantContext } from '../tenant/context.ts';
import { accountUser } from './accounts.ts';
import { audienceToResource, resourceToAudience } from './audience.ts';
import { requestState } from './request-state.ts';
import { splitScope } from './scopes.ts';

/** Scopes an SPA may request on the Management API with a user's token (Auth0's self-service set). */
const SELF_SERVICE_SCOPES = ['read:current_user', 'update:current_user_metadata'];

/**
 * `features.resourceIndicators.getResourceServerInfo`: the single place that decides which scopes a token
 * for an API may carry.
 * - client credentials: only where a client grant exists for (client, audience); requested scopes must lie
 *   within it (Auth0's 403 `access_denied` otherwise, see http/auth0-token-errors.ts), and an omitted scope means every granted scope (Auth0; the engine would
 *   otherwise issue none);
 * - user tokens: the API's scopes, narrowed to the user's permissions when the API enforces RBAC.
 */
export function createGetResourceServerInfo(tenant: TenantContext) {
  return async function getResourceServerInfo(
    ctx: KoaContextWithOIDC,
    resource: string,
    client: Client,
  ): Promise<ResourceServer> {
    const audience = resourceToAudience(resource);
    const api = audience === undefined ? undefined : tenant.registry.resourceServer(audience);
    if (!api || audience === undefined) throw new errors.AccessDenied(`Service not found: ${audience ?? resource}`);

    const base = {
      audience,
      accessTokenTTL: api.token_lifetime,
      accessTokenFormat: 'jwt' as const,
      jwt: { sign: { alg: 'RS256' as const } },
    };

    if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') {
      const grant = tenant.registry.clientGrant(client.clientId, audience);
      if (!grant) {
        throw new errors.AccessDenied(
          `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API.`,
        );
      }
      const requested = typeof ctx.oidc.params.scope === 'string' ? splitScope(ctx.oidc.params.scope) : [];
      if (requested.length > 0) {
        const granted = new Set(grant.scope);
        const missing = requested.filter((s) => !granted.has(s));
        if (missing.length > 0)
          throw new errors.AccessDenied(`Client has not been granted scopes: ${missing.join(' ')}`);
      } else {
        ctx.oidc.params.scope = grant.scope.join(' ');
      }
      return { ...base, scope: grant.scope.join(' ') };
    }

    if (api.is_system) return { ...base, scope: SELF_SERVICE_SCOPES.join(' ') };

    let scopes = api.scopes.map((s) => s.value);
    const user = accountUser(ctx.oidc.entities.Account);
    if (api.enforce_policies && user) {
      const held = new Set(tenant.registry.permissionsOf(user, audience));
      scopes = scopes.filter((s) => held.has(s));
    }
    // An MRRT refresh narrows to the scopes it asked for, dropping the rest silently (http/mrrt.ts).
    const asked = requestState(ctx).refreshScope;
    if (asked !== undefined) scopes = scopes.filter((s) => asked.includes(s));
    return { ...base, scope: scopes.join(' ') };
  };
}

/**
 * `features.resourceIndicators.defaultResource`: Auth0's tenant Default Audience applies when a request
 * names none; client credentials without any audience are refused as Auth0 refuses them.
 */
export function createDefaultResource(tenant: TenantContext) {
  return async function defaultResource(
    ctx: KoaContextWithOIDC,
    _client: Client,
    oneOf?: string[],
  ): Promise<string | string[] | undefined> {
    if (oneOf && oneOf.length > 0) return oneOf[0];
    const fallback = tenant.settings.default_audience;
    if (fallback !== undefined) return audienceToResource(fallback);
    if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') {
      throw new errors.AccessDenied('No audience parameter was provided, and no default audience has been configured');
    }
    return undefined;
  };
}
