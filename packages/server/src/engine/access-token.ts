import type { AccessToken, ClientCredentials, KoaContextWithOIDC } from 'oidc-provider';
import { namespacedClaims } from '../actions/claims.ts';
import type { ActionRunner } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { ResourceServerRecord } from '../tenant/records.ts';
import { accountUser } from './accounts.ts';
import { runCredentialsExchange } from './credentials-exchange.ts';
import { applyAccessTokenChanges, postLoginForTokens } from './post-login.ts';
import { requestState } from './request-state.ts';
import { OIDC_SCOPES, splitScope } from './scopes.ts';

interface JwtParts {
  header: Record<string, unknown> | undefined;
  payload: Record<string, unknown>;
}

/**
 * `formats.customizers.jwt`: shapes every JWT access token as Auth0 does, per the API's `token_dialect`.
 * - Auth0 profile (`access_token[_authz]`): `typ: JWT`, `azp`, `gty` for M2M, no `client_id`/`jti`;
 *   RFC 9068 profile (`rfc9068_profile[_authz]`): `typ: at+jwt`, `client_id`, `jti`, no `gty`.
 * - M2M: `sub` = `<client_id>@clients`, `aud` a string.
 * - user tokens with `openid`: `aud` = [api, `<issuer>userinfo`] and the OIDC scopes inside `scope`.
 * - `permissions` when the API enforces RBAC with an `_authz` dialect: every permission the user holds on
 *   the API (direct and via roles), whatever was requested; for M2M the granted scopes.
 * - Auth0 Actions (with `actions`): credentials-exchange claims on M2M tokens, post-login claims and scope
 *   changes on user tokens (engine/credentials-exchange.ts, engine/post-login.ts).
 */
export function createJwtCustomizer(tenant: TenantContext, actions?: ActionRunner) {
  return async function customizeJwt(
    ctx: KoaContextWithOIDC,
    token: AccessToken | ClientCredentials,
    jwt: JwtParts,
  ): Promise<void> {
    const { payload } = jwt;
    const audience = token.resourceServer?.audience;
    const api = typeof audience === 'string' ? tenant.registry.resourceServer(audience) : undefined;
    if (!api || typeof audience !== 'string') return;
    const clientId = token.clientId ?? '';
    const apiScopes = typeof token.scope === 'string' ? splitScope(token.scope) : [];

    jwt.header = { typ: accessTokenType(api) };
    if (token.kind === 'ClientCredentials') {
      const claims = actions ? await runCredentialsExchange(ctx, tenant, actions, audience, apiScopes) : {};
      const added = api.is_system ? namespacedClaims(claims) : claims;
      shapeMachineClaims(payload, { issuer: tenant.issuer, audience, clientId, api, scopes: apiScopes }, added);
      return;
    }
    const withPermissions = api.enforce_policies && api.token_dialect.endsWith('_authz');
    payload.iss = tenant.issuer;
    // A user's token (authorization code, refresh token, password grants, token exchange).
    const granted = grantedScopes(ctx);
    // offline_access is named only when a refresh token comes with it (Auth0 §2.1): on a refresh, the
    // token is being used (and rotated); on a code exchange, the API must allow offline access.
    const offline =
      ctx.oidc.params?.grant_type === 'refresh_token' ||
      (api.allow_offline_access && ctx.oidc.client?.grantTypeAllowed('refresh_token') === true);
    const oidcScopes = granted.filter((s) => OIDC_SCOPES.has(s) && (s !== 'offline_access' || offline));
    payload.aud = granted.includes('openid') ? [audience, `${tenant.issuer}userinfo`] : audience;
    payload.scope = [...oidcScopes, ...apiScopes].join(' ') || undefined;
    const actionResult = actions ? await postLoginForTokens(ctx, tenant, actions) : undefined;
    if (actionResult) applyAccessTokenChanges(payload, actionResult, api.is_system);
    requestState(ctx).issuedScope = payload.scope as string | undefined;
    const actor = requestState(ctx).actor;
    if (actor !== undefined) payload.act = actor;
    const user = accountUser(ctx.oidc.entities.Account);
    if (withPermissions) payload.permissions = user ? tenant.registry.permissionsOf(user, audience) : [];
    applyClientClaims(payload, api, clientId);
  };
}

/** What a machine-to-machine (client-credentials) access token is issued for. */
export interface MachineTokenSubject {
  issuer: string;
  /** The API's identifier. */
  audience: string;
  clientId: string;
  api: ResourceServerRecord;
  /** The scopes the token carries, in the order of its `scope` claim. */
  scopes: readonly string[];
}

/** The JWS `typ` of an access token for `api`: RFC 9068's `at+jwt` for its profile, Auth0's `JWT` otherwise. */
export function accessTokenType(api: ResourceServerRecord): 'at+jwt' | 'JWT' {
  return api.token_dialect.startsWith('rfc9068') ? 'at+jwt' : 'JWT';
}

/**
 * Shapes a machine-to-machine token's claims as Auth0 does, in place: `payload` holds the engine's claims
 * (`jti`, `sub`, `iat`, `exp`, `scope`, `client_id`, `iss`, `aud`, in that order, as oidc-provider 9.13.3's JWT
 * format writes them), `added` the claims credentials-exchange Actions set. The one place both the engine's
 * customizer and the client-credentials fast path (http/client-credentials-fast-path.ts) build M2M claims with,
 * so that their tokens cannot drift apart.
 */
export function shapeMachineClaims(
  payload: Record<string, unknown>,
  subject: MachineTokenSubject,
  added: Readonly<Record<string, unknown>> = {},
): void {
  const { api } = subject;
  payload.iss = subject.issuer;
  payload.sub = `${subject.clientId}@clients`;
  payload.aud = subject.audience;
  if (!api.token_dialect.startsWith('rfc9068')) payload.gty = 'client-credentials';
  if (api.enforce_policies && api.token_dialect.endsWith('_authz')) payload.permissions = [...subject.scopes];
  Object.assign(payload, added);
  applyClientClaims(payload, api, subject.clientId);
}

/** The client's claim per dialect: RFC 9068's `client_id` (and `jti`), Auth0's `azp` (neither of those). */
function applyClientClaims(payload: Record<string, unknown>, api: ResourceServerRecord, clientId: string): void {
  if (api.token_dialect.startsWith('rfc9068')) {
    payload.client_id = clientId;
  } else {
    payload.azp = clientId;
    delete payload.client_id;
    delete payload.jti;
  }
}

/** The scopes of the code or refresh token the access token is being minted from. */
function grantedScopes(ctx: KoaContextWithOIDC): string[] {
  const { AuthorizationCode, RefreshToken } = ctx.oidc.entities;
  const source = (AuthorizationCode ?? RefreshToken) as { scope?: string } | undefined;
  if (typeof source?.scope === 'string') return splitScope(source.scope);
  return [...(requestState(ctx).grantedScope ?? [])];
}
