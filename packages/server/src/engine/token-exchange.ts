import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { TenantContext } from '../tenant/context.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { createFindAccount } from './accounts.ts';
import { resourceToAudience } from './audience.ts';
import { requestState } from './request-state.ts';
import { createGetResourceServerInfo } from './resource-servers.ts';
import { OIDC_SCOPES, splitScope } from './scopes.ts';
import { TokenExchangeRefusal } from './token-exchange-errors.ts';
import { actorClaim, verifySubjectToken } from './token-exchange-subject.ts';

/*
 * Auth0's On-Behalf-Of token exchange (RFC 8693): an API holding a user's access token for itself trades it
 * for an access token for a downstream API that still names the user as `sub`, and names the calling API's
 * client in `act`.
 * https://auth0.com/docs/secure/call-apis-on-users-behalf/on-behalf-of-token-exchange
 * https://auth0.com/docs/api/authentication/on-behalf-of-token-exchange/get-token
 * https://www.rfc-editor.org/rfc/rfc8693
 */

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** The `token_exchange.allow_any_profile_of_type` value that lets a Custom API client use this grant. */
export const ON_BEHALF_OF_PROFILE = 'on_behalf_of_token_exchange';

/** True for a Custom API client that may exchange tokens on a user's behalf. */
export function mayExchangeOnBehalfOf(client: {
  app_type?: string;
  resource_server_identifier?: string;
  token_exchange?: { allow_any_profile_of_type: readonly string[] };
  token_endpoint_auth_method: string;
}): boolean {
  return (
    client.app_type === 'resource_server' &&
    client.resource_server_identifier !== undefined &&
    client.token_endpoint_auth_method !== 'none' &&
    client.token_exchange?.allow_any_profile_of_type.includes(ON_BEHALF_OF_PROFILE) === true
  );
}

/**
 * Registers the exchange through oidc-provider's documented `registerGrantType`. The engine has already
 * authenticated the client and checked that the grant is in its engine `grant_types`, which
 * engine/client-metadata.ts adds only for a client {@link mayExchangeOnBehalfOf} allows (any other gets
 * Auth0's 403 `unauthorized_client`). The token is the engine's own AccessToken, shaped by the same JWT
 * customizer as every user token (dialect, `permissions`, post-login Actions, signing keys), plus `act`.
 */
export function registerTokenExchangeGrant(provider: Provider, tenant: TenantContext, signing: SigningKeyRing): void {
  const parameters = [
    'subject_token',
    'subject_token_type',
    'requested_token_type',
    'actor_token',
    'actor_token_type',
    'scope',
    'resource',
  ];
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, createTokenExchangeHandler(provider, tenant, signing), parameters);
}

function createTokenExchangeHandler(provider: Provider, tenant: TenantContext, signing: SigningKeyRing) {
  const findAccount = createFindAccount(tenant);
  const resourceServerInfo = createGetResourceServerInfo(tenant);

  return async function tokenExchange(ctx: KoaContextWithOIDC): Promise<void> {
    const { params, client } = ctx.oidc;
    if (!params || !client) throw new TokenExchangeRefusal('bad_request', 'missing client');
    const record = tenant.registry.client(client.clientId);
    const callerApi = record?.resource_server_identifier;
    if (!record || callerApi === undefined) throw new TokenExchangeRefusal('bad_request', 'not a Custom API client');

    const subjectToken = stringParam(params.subject_token);
    if (subjectToken === undefined) {
      throw new TokenExchangeRefusal('bad_request', 'Missing required parameter: subject_token');
    }
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw new TokenExchangeRefusal('bad_request', `subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    const requested = stringParam(params.requested_token_type);
    if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE) {
      throw new TokenExchangeRefusal('bad_request', `requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    // On-Behalf-Of names the actor by the authenticated client; an actor token is Custom Token Exchange's.
    if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
      throw new TokenExchangeRefusal('bad_request', 'actor_token is not supported by the On-Behalf-Of exchange');
    }
    const resource = stringParam(params.resource);
    const audience = resource === undefined ? undefined : resourceToAudience(resource);
    if (resource === undefined || audience === undefined) {
      throw new TokenExchangeRefusal('bad_request', 'Missing required parameter: audience');
    }

    const subject = verifySubjectToken(subjectToken, signing.publicKeys(), tenant.issuer, callerApi);
    const account = await findAccount(ctx, subject.userId);
    if (!account)
      throw new TokenExchangeRefusal('subject_token_invalid', 'the subject_token user does not exist or is blocked');
    ctx.oidc.entity('Account', account);

    // Unknown API: the engine's "Service not found" refusal, as for every grant.
    const info = await resourceServerInfo(ctx, resource, client);
    const grant = tenant.registry.userGrant(client.clientId, audience);
    if (!grant) {
      throw new TokenExchangeRefusal(
        'audience_not_allowed',
        `Client is not authorized to access "${audience}" on behalf of users. You need to create a "client-grant" with subject_type "user" associated to this API.`,
      );
    }
    const scopes = exchangedScopes(params.scope, grant.scope, splitScope(info.scope ?? ''));

    const engineGrant = new provider.Grant({ accountId: subject.userId, clientId: client.clientId });
    engineGrant.addResourceScope(resource, scopes.join(' '));
    const grantId = await engineGrant.save();
    const state = requestState(ctx);
    state.grantedScope = scopes;
    state.actor = actorClaim(client.clientId, subject.act);

    const at = new provider.AccessToken({
      accountId: subject.userId,
      client,
      grantId,
      gty: 'token-exchange',
      scope: scopes.join(' ') || undefined,
      resource,
    });
    at.resourceServer = new provider.ResourceServer(resource, info);
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();
    const issuedScope = state.issuedScope;

    // RFC 8693 §2.2.1; Auth0 adds `scope` when it differs from what was asked (we always name it).
    ctx.body = {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: at.expiration,
      ...(issuedScope === undefined ? {} : { scope: issuedScope }),
    };
  };
}

/**
 * The scopes of the exchanged token: what was asked (everything the grant allows when nothing was), within
 * the user-delegated grant (asking beyond it is refused: RFC 6749 §5.2 `invalid_scope`), narrowed silently
 * to what the user may have on the API (`available`: its scopes, cut to the user's permissions under RBAC).
 */
function exchangedScopes(scopeParam: unknown, granted: readonly string[], available: readonly string[]): string[] {
  const asked = typeof scopeParam === 'string' ? splitScope(scopeParam).filter((s) => !OIDC_SCOPES.has(s)) : [];
  const beyond = asked.filter((s) => !granted.includes(s));
  if (beyond.length > 0) {
    throw new TokenExchangeRefusal('scope_exceeded', `Client has not been granted scopes: ${beyond.join(' ')}`);
  }
  const wanted = asked.length > 0 ? asked : granted;
  return [...new Set(wanted)].filter((s) => available.includes(s));
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
