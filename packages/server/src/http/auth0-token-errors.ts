import type { Context } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { AccessDeniedByAction } from '../actions/errors.ts';
import { PASSWORD_GRANT, PASSWORD_REALM_GRANT } from '../engine/password-grant.ts';
import { requestState } from '../engine/request-state.ts';
import { TokenExchangeRefusal } from '../engine/token-exchange-errors.ts';

/** An error answer as Auth0 gives it at /oauth/token and /oauth/revoke. */
export interface Auth0TokenError {
  status: number;
  error: string;
  description: string;
}

/**
 * The one place that decides Auth0's status and text for an engine failure at /oauth/token and
 * /oauth/revoke, from the engine's typed error (recorded by the `grant.error` / `revocation.error` events),
 * never from its message strings. SDKs match on these: auth0-spa-js falls back to the iframe only when a
 * refresh error says "invalid refresh token"; Auth0 answers `invalid_grant` with 403, a bad client secret
 * with 401 `access_denied` "Unauthorized", and an authorization failure with 403 `access_denied`.
 * Answers of the tenant's own (429, 413) carry no engine error and are left as they are.
 */
export function applyAuth0TokenError(ctx: Context): void {
  const engineError = requestState(ctx).engineError;
  if (engineError === undefined) return;
  const mapped = toAuth0(engineError, ctx as unknown as KoaContextWithOIDC);
  if (!mapped) return;
  if (mapped.status === 401) ctx.remove('WWW-Authenticate');
  ctx.status = mapped.status;
  ctx.body = { error: mapped.error, error_description: mapped.description };
}

function toAuth0(error: Error, ctx: KoaContextWithOIDC): Auth0TokenError | undefined {
  const grantType = typeof ctx.oidc?.params?.grant_type === 'string' ? ctx.oidc.params.grant_type : undefined;
  if (error instanceof TokenExchangeRefusal) return tokenExchangeRefusal(error);
  if (error instanceof errors.InvalidClientAuth || error instanceof errors.InvalidClient) {
    // Observed Auth0 behaviour for a wrong secret or an unknown client (README: Choices).
    return { status: 401, error: 'access_denied', description: 'Unauthorized' };
  }
  if (error instanceof errors.InvalidGrant) {
    if (grantType === 'refresh_token') {
      return { status: 403, error: 'invalid_grant', description: 'Unknown or invalid refresh token.' };
    }
    if (grantType === 'authorization_code') {
      // The engine's PKCE check is the only authorization-code failure that carries a cause.
      const pkce = error.cause instanceof Error;
      return {
        status: 403,
        error: 'invalid_grant',
        description: pkce ? 'Failed to verify code verifier' : 'Invalid authorization code',
      };
    }
    if (grantType === PASSWORD_GRANT || grantType === PASSWORD_REALM_GRANT) {
      // The password grants' only invalid_grant: the same text for an unknown user and a wrong password.
      return { status: 403, error: 'invalid_grant', description: 'Wrong email or password.' };
    }
    return { status: 403, error: 'invalid_grant', description: describe(error) || 'Invalid grant' };
  }
  // The engine reports a grant type the client may not use as invalid_request; Auth0 and RFC 6749 §5.2
  // call it unauthorized_client. Decided from the client's registration, not from the message.
  const client = ctx.oidc?.client;
  const grantRefused =
    error instanceof errors.UnauthorizedClient ||
    (error instanceof errors.InvalidRequest &&
      grantType !== undefined &&
      client !== undefined &&
      !client.grantTypeAllowed(grantType));
  if (grantRefused) {
    return {
      status: 403,
      error: 'unauthorized_client',
      description: `Grant type '${grantType ?? ''}' not allowed for the client.`,
    };
  }
  if (error instanceof errors.InvalidTarget) {
    return { status: 403, error: 'access_denied', description: 'Service not found' };
  }
  if (error instanceof errors.AccessDenied && error.cause instanceof AccessDeniedByAction) {
    return actionRefusal(error.cause);
  }
  if (error instanceof errors.AccessDenied) {
    return { status: 403, error: 'access_denied', description: describe(error) };
  }
  return undefined;
}

/**
 * An action ended the token request. Credentials-exchange's `api.access.deny(code, reason)` names the
 * OAuth error: Auth0 answers `invalid_scope` and `invalid_request` with 400 and `server_error` with 500
 * (the codes its docs list for that call); anything else, and post-login's deny on a refresh, is 403
 * `access_denied`. The description is the action's reason.
 * https://auth0.com/docs/customize/actions/explore-triggers/machine-to-machine-trigger/credentials-exchange-api-object
 */
function actionRefusal(refusal: AccessDeniedByAction): Auth0TokenError {
  switch (refusal.oauthError) {
    case 'invalid_scope':
    case 'invalid_request':
      return { status: 400, error: refusal.oauthError, description: refusal.reason };
    case 'server_error':
      return { status: 500, error: 'server_error', description: refusal.reason };
    default:
      return { status: 403, error: 'access_denied', description: refusal.reason };
  }
}

/**
 * A refused On-Behalf-Of token exchange. RFC 8693 §2.2.2 answers a bad, expired or unacceptable subject token
 * (and any other malformed request) with 400 `invalid_request`, as Auth0 answers a too-deep `act` chain;
 * asking beyond the grant's scopes is RFC 6749 §5.2's 400 `invalid_scope`; an API the client holds no
 * user-delegated grant for is Auth0's 403 `access_denied`, as for client credentials without a grant.
 * https://www.rfc-editor.org/rfc/rfc8693#section-2.2.2
 */
function tokenExchangeRefusal(refusal: TokenExchangeRefusal): Auth0TokenError {
  const description = describe(refusal);
  switch (refusal.reason) {
    case 'audience_not_allowed':
      return { status: 403, error: 'access_denied', description };
    case 'scope_exceeded':
      return { status: 400, error: 'invalid_scope', description };
    default:
      return { status: 400, error: 'invalid_request', description };
  }
}

function describe(error: Error): string {
  const description = (error as { error_description?: unknown }).error_description;
  return typeof description === 'string' ? description : '';
}
