import type { Context } from 'koa';

interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

/**
 * Rewrites an engine error answer of /oauth/token or /oauth/revoke into Auth0's status and text, which
 * SDKs match on: auth0-spa-js falls back to the iframe only when a refresh error contains "invalid refresh
 * token", and Auth0 answers `invalid_grant` with 403 and a bad client secret with 401 `access_denied`
 * "Unauthorized". Only status, `error` and `error_description` change.
 */
export function mapTokenError(ctx: Context): void {
  const body = ctx.body as Partial<OAuthErrorBody> | undefined;
  if (!body || typeof body !== 'object' || typeof body.error !== 'string') return;
  const mapped = toAuth0(ctx, body as OAuthErrorBody);
  if (!mapped) return;
  ctx.status = mapped.status;
  ctx.body = { error: mapped.error, error_description: mapped.description };
}

interface Mapped {
  status: number;
  error: string;
  description: string;
}

function toAuth0(ctx: Context, body: OAuthErrorBody): Mapped | undefined {
  const description = body.error_description ?? '';
  const grantType = grantTypeOf(ctx);
  switch (body.error) {
    case 'invalid_client':
      // Observed Auth0 behaviour for a wrong secret or unknown client (see README: choices).
      ctx.remove('WWW-Authenticate');
      return { status: 401, error: 'access_denied', description: 'Unauthorized' };
    case 'invalid_grant':
      if (grantType === 'refresh_token') {
        return { status: 403, error: 'invalid_grant', description: 'Unknown or invalid refresh token.' };
      }
      if (grantType === 'authorization_code') {
        const pkce = /code_verifier|code_challenge/.test(description) || /verifier/.test(errorCause(ctx));
        return {
          status: 403,
          error: 'invalid_grant',
          description: pkce ? 'Failed to verify code verifier' : 'Invalid authorization code',
        };
      }
      return { status: 403, error: 'invalid_grant', description: description || 'Invalid grant' };
    case 'invalid_request':
      // The engine reports a grant the client may not use as invalid_request; Auth0 and RFC 6749 §5.2
      // call it unauthorized_client.
      if (description !== 'requested grant type is not allowed for this client') return undefined;
      return {
        status: 403,
        error: 'unauthorized_client',
        description: `Grant type '${grantType ?? ''}' not allowed for the client.`,
      };
    case 'unauthorized_client':
      return {
        status: 403,
        error: 'unauthorized_client',
        description: `Grant type '${grantType ?? ''}' not allowed for the client.`,
      };
    case 'invalid_target':
      return { status: 403, error: 'access_denied', description: 'Service not found' };
    default:
      return undefined;
  }
}

function grantTypeOf(ctx: Context): string | undefined {
  const params = (ctx as unknown as { oidc?: { params?: { grant_type?: unknown } } }).oidc?.params;
  return typeof params?.grant_type === 'string' ? params.grant_type : undefined;
}

/** The engine wraps PKCE failures in `invalid_grant` and keeps the reason as the error's cause. */
function errorCause(ctx: Context): string {
  const state = ctx.state as { authmeshTokenError?: unknown };
  const cause = (state.authmeshTokenError as { cause?: { message?: unknown } } | undefined)?.cause?.message;
  return typeof cause === 'string' ? cause : '';
}
