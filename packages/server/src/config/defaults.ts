import type { AppType, GrantType, RefreshTokenSettings, TokenEndpointAuthMethod } from './types.ts';

/*
 * Auth0's defaults and limits, in one place, so the values `TenantConfig` consumers rely on are
 * easy to audit against the Auth0 documentation (tenant settings, and the Management API's defaults).
 */

/** Upper bound of `resource_server.token_lifetime` (30 days), as in Auth0. */
export const MAX_ACCESS_TOKEN_LIFETIME = 2_592_000;
/** Upper bound of `jwt_configuration.lifetime_in_seconds` (30 days), as in Auth0. */
export const MAX_ID_TOKEN_LIFETIME = 2_592_000;
/** Upper bound of refresh-token lifetimes (5 years), as in Auth0. */
export const MAX_REFRESH_TOKEN_LIFETIME = 157_788_000;
/** Upper bound of the refresh-token rotation overlap period, as in Auth0. */
export const MAX_REFRESH_TOKEN_LEEWAY = 60;
/** Upper bound of the resource-server identifier length, as in Auth0. */
export const MAX_IDENTIFIER_LENGTH = 600;
/** Upper bound of session lifetimes in hours (365 days, Auth0's enterprise limit). */
export const MAX_SESSION_LIFETIME_HOURS = 8760;

export const RESOURCE_SERVER_DEFAULTS = {
  token_lifetime: 86_400,
  enforce_policies: false,
  token_dialect: 'access_token',
  allow_offline_access: false,
  signing_alg: 'RS256',
  // Auth0's API and dashboard default to false (a consent screen even for first-party apps). authmesh
  // is a local tenant for first-party apps and has no consent screen, so true matches what it does.
  skip_consent_for_verifiable_first_party_clients: true,
  is_system: false,
} as const;

/** `jwt_configuration.lifetime_in_seconds` default: 10 hours. */
export const ID_TOKEN_LIFETIME_DEFAULT = 36_000;

/** Seed users are created by the operator, so their address is taken as verified unless the file says otherwise. */
export const USER_EMAIL_VERIFIED_DEFAULT = true;

export const TENANT_DEFAULTS = {
  /** Hours (30 days). */
  session_lifetime: 720,
  /** Hours (3 days). */
  idle_session_lifetime: 72,
} as const;

/** True for app types that run on the user's device and cannot keep a secret. */
export function isPublicAppType(appType: AppType | undefined): boolean {
  return appType === 'spa' || appType === 'native';
}

/**
 * Grant types when `grant_types` is omitted. Auth0's own defaults include `implicit` (and, via the
 * API, `client_credentials` for everyone); authmesh keeps only what it implements and what is safe
 * for the app type. A regular web app keeps `implicit`, as Auth0 creates it: that is what lets
 * express-openid-connect's default (`response_type=id_token`, `response_mode=form_post`) sign in.
 * A client without a browser-facing `app_type` (none, or one of Auth0's integration types) is Auth0's
 * generic application and gets the API default without `implicit`.
 */
export function defaultGrantTypes(appType: AppType | undefined): GrantType[] {
  if (appType === 'non_interactive') return ['client_credentials'];
  if (appType === 'regular_web') return ['authorization_code', 'implicit', 'refresh_token'];
  if (appType === 'spa' || appType === 'native') return ['authorization_code', 'refresh_token'];
  return ['authorization_code', 'refresh_token', 'client_credentials'];
}

/** `none` for public apps (PKCE), `client_secret_post` for confidential ones, as the Auth0 dashboard creates them. */
export function defaultTokenEndpointAuthMethod(appType: AppType | undefined): TokenEndpointAuthMethod {
  return isPublicAppType(appType) ? 'none' : 'client_secret_post';
}

/** The refresh-token fields a tenant.yaml may set; every one optional. */
export type RefreshTokenInput = Partial<RefreshTokenSettings>;

/**
 * Completes a client's `refresh_token` block. Rotation and expiration default by app type: an SPA gets
 * rotating, expiring tokens (what the Auth0 dashboard sets for SPAs and what auth0-spa-js needs),
 * other apps get Auth0's API default of non-rotating, non-expiring tokens. The `infinite_*` flags
 * then follow the effective `expiration_type`, so a partial block stays coherent.
 */
export function completeRefreshToken(
  appType: AppType | undefined,
  input: RefreshTokenInput = {},
): RefreshTokenSettings {
  const spa = appType === 'spa';
  const expirationType = input.expiration_type ?? (spa ? 'expiring' : 'non-expiring');
  const infinite = expirationType === 'non-expiring';
  return {
    rotation_type: input.rotation_type ?? (spa ? 'rotating' : 'non-rotating'),
    expiration_type: expirationType,
    leeway: input.leeway ?? 0,
    token_lifetime: input.token_lifetime ?? 2_592_000,
    infinite_token_lifetime: input.infinite_token_lifetime ?? infinite,
    idle_token_lifetime: input.idle_token_lifetime ?? 1_296_000,
    infinite_idle_token_lifetime: input.infinite_idle_token_lifetime ?? infinite,
    policies: input.policies ?? [],
  };
}
