import type { TenantRegistry } from '../tenant/registry.ts';
import { NO_AUDIENCE, OTHER, type TenantMetrics } from './metrics.ts';

/** What `grant.success` hands over: the request context with the engine's entities of the request. */
interface GrantContext {
  oidc?: {
    params?: { grant_type?: unknown };
    client?: { clientId?: string };
    entities?: { AccessToken?: { aud?: unknown }; ClientCredentials?: { aud?: unknown } };
  };
}

/** The grant types the engine serves; another value (never expected) is counted as `other`. */
const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
  'urn:ietf:params:oauth:grant-type:device_code',
]);

/**
 * Counts access tokens issued at /oauth/token from the engine's `grant.success` event, which fires once
 * the grant handler has issued its tokens; the token itself (`ctx.oidc.entities`) names the audience.
 * Client ids and audiences are labels only when the registry knows them.
 */
export function countTokenIssuance(
  engine: { on(event: 'grant.success', listener: (ctx: GrantContext) => void): unknown },
  registry: TenantRegistry,
  metrics: TenantMetrics,
): void {
  engine.on('grant.success', (ctx) => {
    const oidc = ctx.oidc;
    const grantType = typeof oidc?.params?.grant_type === 'string' ? oidc.params.grant_type : '';
    const clientId = oidc?.client?.clientId;
    const token = oidc?.entities?.AccessToken ?? oidc?.entities?.ClientCredentials;
    metrics.tokenIssued(
      GRANT_TYPES.has(grantType) ? grantType : OTHER,
      clientId !== undefined && registry.client(clientId) !== undefined ? clientId : OTHER,
      audienceLabel(token?.aud, registry),
    );
  });
}

/** The one API of the registry the token is for (a userinfo audience beside it is not an API). */
function audienceLabel(aud: unknown, registry: TenantRegistry): string {
  const audiences = (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string');
  if (audiences.length === 0) return NO_AUDIENCE;
  const known = audiences.filter((a) => registry.resourceServer(a) !== undefined);
  if (known.length === 1 && known[0] !== undefined) return known[0];
  return known.length === 0 ? OTHER : NO_AUDIENCE;
}
