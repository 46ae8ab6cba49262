import { errors } from 'oidc-provider';
import { AccessDeniedByAction } from '../actions/errors.ts';
import { PASSWORD_GRANT, PASSWORD_REALM_GRANT } from '../engine/password-grant.ts';
import { TokenExchangeRefusal } from '../engine/token-exchange-errors.ts';
import type { TenantRegistry } from '../tenant/registry.ts';

/*
 * The plain words of the console's activity stream: why a token request or a login was refused and what
 * would fix it. Every wording decision is here; the events are built elsewhere (token-activity.ts,
 * login-activity.ts). The Auth0 answer itself (status, error, error_description) is decided by
 * auth0-token-errors.ts and only repeated beside these words, never changed by them.
 */

/** What is known about a refused request at /oauth/token or /oauth/revoke. */
export interface RefusedRequest {
  /** The engine's typed error, when the engine refused (absent for the tenant's own answers: 429, 413). */
  engineError?: Error;
  status: number;
  /** Auth0's error code and description, as answered. */
  error: string;
  description?: string;
  grantType?: string;
  clientId?: string;
  audience?: string;
  /** The scopes the request named. */
  scope?: readonly string[];
  /** A refresh token the engine found already used (reuse detection revoked its family). */
  refreshTokenReused?: boolean;
}

/** Why a login failed, per outcome the login metrics count; undefined for the successful ones. */
export function loginFailureReason(outcome: string): string | undefined {
  switch (outcome) {
    case 'wrong_credentials':
      return 'Wrong email or password: no such user in the connection, or the password does not match (the login page does not say which).';
    case 'blocked':
      return 'The user is blocked (by an administrator, or by brute-force protection after repeated failures): unblock them through the Management API.';
    case 'throttled':
      return 'Too many attempts for this user from this address: brute-force protection refused it; wait and retry.';
    default:
      return undefined;
  }
}

/** The refusal in plain words, with the fix where the tenant's configuration is what refused. */
export function refusalReason(request: RefusedRequest, registry: TenantRegistry): string {
  const { engineError: error, grantType, audience } = request;
  const clientId = request.clientId;
  const client = clientId === undefined ? undefined : registry.client(clientId);
  const who = client ? client.name : clientId ? `The client ${clientId}` : 'The client';
  const api = audience === undefined ? undefined : registry.resourceServer(audience);
  const target = audience === undefined ? 'the API' : api ? `${audience} (${api.name})` : audience;

  if (error === undefined) {
    if (request.status === 429) {
      return 'Too many failed requests from this address for this client: the tenant throttles them for a few minutes (client-secret and login brute-force protection).';
    }
    return `${request.error}: ${request.description ?? 'the request was refused before it reached the engine'}.`;
  }
  if (error instanceof TokenExchangeRefusal) return tokenExchangeReason(error, who, target, request.description);
  if (error instanceof errors.InvalidClientAuth || error instanceof errors.InvalidClient) {
    if (clientId !== undefined && !client) return `No application has the client_id ${clientId}: check the client_id.`;
    return `${who} failed client authentication: the client secret is wrong, or sent another way than its token_endpoint_auth_method (${client?.token_endpoint_auth_method ?? 'unknown'}). authmesh dev prints the secret on the first start; authmesh export --include-secrets writes it.`;
  }
  if (error instanceof errors.AccessDenied && error.cause instanceof AccessDeniedByAction) {
    return `The Action ${error.cause.action} denied the request: ${error.cause.reason}`;
  }
  if (grantType === 'client_credentials' && error instanceof errors.AccessDenied) {
    return clientCredentialsReason(request, registry, who, target);
  }
  if (error instanceof errors.UnauthorizedClient || request.error === 'unauthorized_client') {
    return `${who} may not use the grant type ${grantType ?? '(none)'}: add it to the application's grant_types.`;
  }
  if (error instanceof errors.InvalidTarget) {
    return `${target} is not an API this request may get a token for (no such API, or not covered by the refresh token): check the audience, or add it to the client's refresh_token.policies (Multi-Resource Refresh Tokens).`;
  }
  if (error instanceof errors.InvalidGrant) {
    if (grantType === 'refresh_token') {
      return request.refreshTokenReused
        ? 'The refresh token had already been used: reuse detection revoked its whole family (every token of that login); the user must log in again.'
        : 'The refresh token is unknown, expired or revoked (or belongs to another client): the user must log in again.';
    }
    if (grantType === 'authorization_code') {
      return request.description === 'Failed to verify code verifier'
        ? 'PKCE failed: the code_verifier does not match the code_challenge the app sent to /authorize.'
        : 'The authorization code is unknown, expired, already redeemed, or was issued to another client or redirect_uri.';
    }
    if (grantType === PASSWORD_GRANT || grantType === PASSWORD_REALM_GRANT) {
      return loginFailureReason('wrong_credentials') ?? '';
    }
  }
  return `${request.error}: ${request.description || 'refused by the engine'}.`;
}

function clientCredentialsReason(
  request: RefusedRequest,
  registry: TenantRegistry,
  who: string,
  target: string,
): string {
  const { audience, clientId } = request;
  if (audience === undefined) {
    return 'The request names no audience and the tenant has no default audience: send audience=<the API identifier>.';
  }
  const api = registry.resourceServer(audience);
  if (!api) {
    const known = registry
      .resourceServers()
      .filter((r) => !r.is_system)
      .map((r) => r.identifier);
    return `No API has the identifier ${audience}: check the audience (this tenant's APIs: ${known.join(', ') || 'none'}).`;
  }
  const grant = clientId === undefined ? undefined : registry.clientGrant(clientId, audience);
  if (!grant) {
    return `${who} has no grant for ${target}: add a client grant (client ${who}, audience ${audience}) with the scopes it needs.`;
  }
  const missing = (request.scope ?? []).filter((s) => !grant.scope.includes(s));
  if (missing.length > 0) {
    return `The grant of ${who} for ${target} gives only ${grant.scope.join(' ') || 'no scope'}, not ${missing.join(' ')}: add ${missing.join(' ')} to that client grant, or ask for less.`;
  }
  return `${request.error}: ${request.description ?? 'access denied'}.`;
}

function tokenExchangeReason(
  refusal: TokenExchangeRefusal,
  who: string,
  target: string,
  description: string | undefined,
): string {
  const detail = description ? ` (${description})` : '';
  switch (refusal.reason) {
    case 'audience_not_allowed':
      return `${who} has no user-delegated grant (subject_type: user) for ${target}: add one to let it call that API on a user's behalf.`;
    case 'scope_exceeded':
      return `${who} asked for more than its user-delegated grant for ${target} allows${detail}: add the scope to that grant, or ask for less.`;
    case 'subject_token_expired':
      return `The user's token being exchanged has expired${detail}: the caller must send a fresh one.`;
    case 'subject_not_user':
      return `The token being exchanged is a machine-to-machine token: there is no user to act for${detail}.`;
    case 'subject_token_audience':
      return `The token being exchanged was issued for another API than ${who}'s own${detail}: exchange the token your API received.`;
    case 'chain_too_deep':
      return `The token has been exchanged too many times already (its act chain is as deep as Auth0 allows)${detail}.`;
    default:
      return `The On-Behalf-Of token exchange was refused${detail}.`;
  }
}

/** What is known about a refused request at /authorize. */
export interface RefusedAuthorization {
  error: Error & { error?: unknown; error_description?: unknown };
  clientId?: string;
  redirectUri?: string;
  audience?: string;
}

/** A refused /authorize request in plain words, with the fix where the configuration is what refused. */
export function authorizationRefusalReason(refused: RefusedAuthorization, registry: TenantRegistry): string {
  const { error, clientId, redirectUri, audience } = refused;
  const client = clientId === undefined ? undefined : registry.client(clientId);
  const who = client ? client.name : clientId ? `The client ${clientId}` : 'The application';
  const code = typeof error.error === 'string' ? error.error : 'error';
  const description = typeof error.error_description === 'string' ? error.error_description : '';
  if (error instanceof errors.InvalidRedirectUri) {
    const allowed = client?.callbacks.join(', ') || 'none';
    return `The redirect_uri ${redirectUri ?? '(none)'} is not one of ${who}'s Allowed Callback URLs (${allowed}): add it to the application's callbacks, or fix the app's redirect_uri.`;
  }
  if (error instanceof errors.InvalidClient || (clientId !== undefined && !client)) {
    return `No application has the client_id ${clientId ?? '(none)'}: check the app's client_id.`;
  }
  if (error instanceof errors.AccessDenied && error.cause instanceof AccessDeniedByAction) {
    return `The Action ${error.cause.action} denied the login: ${error.cause.reason}`;
  }
  switch (code) {
    case 'login_required':
      return 'Silent authentication (prompt=none) found no session at the tenant: the user must log in. A browser that blocks third-party cookies loses the session inside the iframe; refresh tokens (offline_access) avoid the iframe.';
    case 'consent_required':
      return `The user has not consented to what ${who} asks for, and prompt=none cannot ask: log in interactively once, or mark the API to skip consent for first-party apps.`;
    case 'unauthorized_client':
    case 'unsupported_response_type':
      return `${who} may not use this response_type or grant (${description || code}): check the application's grant_types.`;
  }
  if (audience !== undefined && registry.resourceServer(audience) === undefined) {
    return `No API has the identifier ${audience}: check the audience the app asks for.`;
  }
  return `${code}: ${description || 'refused by the engine'}.`;
}
