import { AUTH0_ONLY_GRANT_TYPES, isManagementApiIdentifier, SUPPORTED_GRANT_TYPES } from './auth0-fields.ts';
import type { Catalog } from './catalog.ts';
import {
  completeRefreshToken,
  defaultGrantTypes,
  defaultTokenEndpointAuthMethod,
  ID_TOKEN_LIFETIME_DEFAULT,
  isPublicAppType,
} from './defaults.ts';
import type { PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { checkScopesOnApi, findApi } from './references.ts';
import type { RawClient } from './schema.ts';
import { didYouMean } from './suggest.ts';
import type { AppType, Client, GrantType, RefreshTokenPolicy, TokenEndpointAuthMethod } from './types.ts';
import { checkUrlList } from './urls.ts';

// Auth0 generates 32 alphanumerics; pinned ids may be anything URL-safe of a sane length.
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
const MIN_SECRET_LENGTH = 32;

/**
 * Checks one application beyond its schema and applies Auth0's per-app-type defaults. Needs the
 * catalog of APIs for the refresh-token (MRRT) policies. Returns the normalized client even when
 * issues were recorded.
 */
export function normalizeClient(
  raw: RawClient,
  path: readonly PathSegment[],
  catalog: Catalog,
  issues: IssueCollector,
): Client {
  const appType = raw.app_type;
  const at = (...rest: PathSegment[]) => [...path, ...rest];

  if (raw.client_id !== undefined && !CLIENT_ID.test(raw.client_id)) {
    issues.error(
      at('client_id'),
      `client_id ${quote(raw.client_id)} must be 8 to 64 characters of A-Z, a-z, 0-9, _ or -`,
      'use a value like the 32-character ids Auth0 generates, or remove client_id to have one generated',
    );
  }

  const authMethod = raw.token_endpoint_auth_method ?? defaultTokenEndpointAuthMethod(appType);
  if (isPublicAppType(appType) && authMethod !== 'none') {
    issues.error(
      at('token_endpoint_auth_method'),
      `${appType} apps are public clients and must use token_endpoint_auth_method none`,
      'set token_endpoint_auth_method: none or remove it',
    );
  }
  checkSecret(raw, appType, authMethod, path, issues);

  const grantTypes = checkGrantTypes(raw, path, issues);
  if (grantTypes.includes('client_credentials') && authMethod === 'none' && !isPublicAppType(appType)) {
    issues.error(
      at('token_endpoint_auth_method'),
      'the client_credentials grant needs client authentication, but token_endpoint_auth_method is none',
      'set token_endpoint_auth_method: client_secret_post (or client_secret_basic)',
    );
  }

  const native = appType === 'native';
  const callbacks = checkUrlList(
    raw.callbacks,
    at('callbacks'),
    { kind: 'redirect', allowPrivateUseScheme: native },
    issues,
  );
  // No callbacks is fine, as in Auth0: a login attempt then ends on the "Callback URL mismatch" page.

  const client: Client = {
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    ...(raw.client_metadata === undefined ? {} : { client_metadata: { ...raw.client_metadata } }),
    ...(raw.client_id === undefined ? {} : { client_id: raw.client_id }),
    ...(raw.client_secret === undefined ? {} : { client_secret: raw.client_secret }),
    ...(appType === undefined ? {} : { app_type: appType }),
    is_first_party: raw.is_first_party ?? true,
    callbacks,
    allowed_logout_urls: checkUrlList(
      raw.allowed_logout_urls,
      at('allowed_logout_urls'),
      { kind: 'redirect', allowPrivateUseScheme: native },
      issues,
    ),
    web_origins: checkUrlList(raw.web_origins, at('web_origins'), { kind: 'origin' }, issues),
    allowed_origins: checkUrlList(raw.allowed_origins, at('allowed_origins'), { kind: 'origin' }, issues),
    grant_types: grantTypes,
    token_endpoint_auth_method: authMethod,
    refresh_token: checkRefreshToken(raw, grantTypes, path, catalog, issues),
    id_token_lifetime: checkJwtConfiguration(raw, path, issues),
    ...checkCustomApiClient(raw, path, catalog, authMethod, issues),
  };
  return client;
}

function checkSecret(
  raw: RawClient,
  appType: AppType | undefined,
  authMethod: TokenEndpointAuthMethod,
  path: readonly PathSegment[],
  issues: IssueCollector,
): void {
  if (raw.client_secret === undefined) return;
  // Never quote the secret: messages end up in terminals and CI logs.
  const at = [...path, 'client_secret'];
  if (isPublicAppType(appType) || authMethod === 'none') {
    const why = isPublicAppType(appType) ? `app_type ${appType}` : 'token_endpoint_auth_method none';
    issues.error(
      at,
      `public clients cannot hold a secret (${why})`,
      'remove client_secret: SPAs and native apps authenticate with PKCE instead',
    );
  } else if (raw.client_secret.length < MIN_SECRET_LENGTH) {
    issues.error(
      at,
      `client_secret must be at least ${MIN_SECRET_LENGTH} characters long (it has ${raw.client_secret.length})`,
      'use a longer random value (e.g. `openssl rand -hex 32`) or remove it to have one generated',
    );
  }
}

function checkGrantTypes(raw: RawClient, path: readonly PathSegment[], issues: IssueCollector): GrantType[] {
  if (raw.grant_types === undefined) return defaultGrantTypes(raw.app_type);
  const supported: readonly string[] = SUPPORTED_GRANT_TYPES;
  const out: GrantType[] = [];
  raw.grant_types.forEach((grant, i) => {
    const at = [...path, 'grant_types', i];
    if (AUTH0_ONLY_GRANT_TYPES.includes(grant)) {
      // Auth0 exports often carry `implicit` or password grants; dropping them keeps the file loadable.
      issues.warn(`client ${quote(raw.name)}: grant type ${quote(grant)} is not supported by authmesh and was dropped`);
      return;
    }
    if (!supported.includes(grant)) {
      issues.error(
        at,
        `unknown grant type ${quote(grant)}${didYouMean(grant, supported)}`,
        `use ${SUPPORTED_GRANT_TYPES.join(', ')}`,
      );
      return;
    }
    if (grant === 'client_credentials' && isPublicAppType(raw.app_type)) {
      issues.error(
        at,
        `${raw.app_type} apps are public clients and cannot use the client_credentials grant`,
        'remove client_credentials, or declare a separate non_interactive client for machine-to-machine calls',
      );
      return;
    }
    const type = grant as GrantType;
    if (!out.includes(type)) out.push(type);
  });
  return out;
}

function checkRefreshToken(
  raw: RawClient,
  grantTypes: readonly GrantType[],
  path: readonly PathSegment[],
  catalog: Catalog,
  issues: IssueCollector,
): Client['refresh_token'] {
  const at = (...rest: PathSegment[]) => [...path, 'refresh_token', ...rest];
  const settings = completeRefreshToken(raw.app_type, { ...raw.refresh_token, policies: [] });
  // Auth0 only issues refresh tokens to browser apps when rotation is on (reuse detection is the
  // only protection a token stored in a browser has).
  // Auth0 accepts the setting (and then refuses the tokens at run time), so it is a caution here.
  if (raw.app_type === 'spa' && settings.rotation_type === 'non-rotating' && grantTypes.includes('refresh_token')) {
    issues.caution(
      at('rotation_type'),
      'an SPA with non-rotating refresh tokens keeps a long-lived token in the browser without reuse detection',
      'set refresh_token.rotation_type: rotating',
    );
  }
  const finite = settings.expiration_type === 'expiring' && !settings.infinite_token_lifetime;
  if (finite && !settings.infinite_idle_token_lifetime && settings.idle_token_lifetime > settings.token_lifetime) {
    issues.error(
      at('idle_token_lifetime'),
      `idle_token_lifetime (${settings.idle_token_lifetime}) must not exceed token_lifetime (${settings.token_lifetime})`,
      'lower idle_token_lifetime or raise token_lifetime',
    );
  }
  const policies = raw.refresh_token?.policies ?? [];
  if (policies.length > 0 && !grantTypes.includes('refresh_token')) {
    issues.warn(`client ${quote(raw.name)}: refresh_token.policies have no effect without the refresh_token grant`);
  }
  return { ...settings, policies: checkPolicies(policies, at('policies'), catalog, issues) };
}

/** Multi-Resource Refresh Token policies: each audience a declared API with those scopes. */
function checkPolicies(
  policies: readonly RefreshTokenPolicy[],
  path: readonly PathSegment[],
  catalog: Catalog,
  issues: IssueCollector,
): RefreshTokenPolicy[] {
  const out: RefreshTokenPolicy[] = [];
  const seen = new Map<string, number>();
  policies.forEach((policy, i) => {
    const audiencePath = [...path, i, 'audience'];
    if (isManagementApiIdentifier(policy.audience)) {
      issues.error(
        audiencePath,
        'the Management API cannot be used in refresh-token policies (Auth0 does not allow it either)',
        'remove this policy',
      );
      return;
    }
    const first = seen.get(policy.audience);
    if (first !== undefined) {
      issues.error(
        audiencePath,
        `audience ${quote(policy.audience)} already has a policy at ${issues.where([...path, first])}`,
        'merge the scopes into one policy per audience',
      );
      return;
    }
    seen.set(policy.audience, i);
    const api = findApi(catalog, policy.audience, audiencePath, 'audience', issues);
    if (api !== undefined) {
      checkScopesOnApi(api, policy.scope, [...path, i, 'scope'], issues);
      if (api.item !== undefined && !api.item.skip_consent_for_verifiable_first_party_clients) {
        issues.warn(
          `API ${quote(api.key)} is used in refresh-token policies but has skip_consent_for_verifiable_first_party_clients: false, which Auth0 requires for MRRT`,
        );
      }
    }
    out.push({ audience: policy.audience, scope: [...new Set(policy.scope)].sort() });
  });
  return out;
}

function checkJwtConfiguration(raw: RawClient, path: readonly PathSegment[], issues: IssueCollector): number {
  const jwt = raw.jwt_configuration;
  if (jwt?.alg !== undefined && jwt.alg !== 'RS256') {
    // Old Auth0 tenants created clients with HS256 ID tokens; the file still loads, the tokens differ.
    issues.caution(
      [...path, 'jwt_configuration', 'alg'],
      `jwt_configuration.alg ${quote(jwt.alg)} is not emulated: ID tokens are signed with RS256`,
      'set jwt_configuration.alg: RS256 so that the app verifies the same tokens in Auth0 and here',
    );
  }
  return jwt?.lifetime_in_seconds ?? ID_TOKEN_LIFETIME_DEFAULT;
}

/**
 * A Custom API client: `app_type: resource_server` with the `resource_server_identifier` of an API declared
 * in the file, confidential (Auth0 refuses the On-Behalf-Of exchange to a client without a secret), and
 * `token_exchange.allow_any_profile_of_type` naming the exchanges it may use.
 * https://auth0.com/docs/api/authentication/on-behalf-of-token-exchange/get-token
 */
function checkCustomApiClient(
  raw: RawClient,
  path: readonly PathSegment[],
  catalog: Catalog,
  authMethod: TokenEndpointAuthMethod,
  issues: IssueCollector,
): Pick<Client, 'resource_server_identifier' | 'token_exchange'> {
  const at = (...rest: PathSegment[]) => [...path, ...rest];
  const identifier = raw.resource_server_identifier;
  const profiles = raw.token_exchange?.allow_any_profile_of_type;
  if (raw.app_type === 'resource_server' && identifier === undefined && profiles !== undefined) {
    issues.error(
      at('resource_server_identifier'),
      'a Custom API client (app_type resource_server) that exchanges tokens needs resource_server_identifier',
      'set resource_server_identifier to the identifier of the API this client belongs to',
    );
  }
  // Auth0 stores both of these; they only keep the client from exchanging tokens, so they are warnings.
  if (identifier !== undefined && raw.app_type !== 'resource_server') {
    issues.warn(
      `${issues.where(at('resource_server_identifier'))}: resource_server_identifier is used only by Custom API clients (app_type: resource_server)`,
    );
  } else if (identifier !== undefined && !catalog.apis.has(identifier)) {
    issues.warn(
      `${issues.where(at('resource_server_identifier'))}: ${quote(identifier)} is not a declared API: this client cannot exchange tokens until it is`,
    );
  }
  if (profiles?.includes('on_behalf_of_token_exchange') && raw.app_type !== 'resource_server') {
    issues.error(
      at('token_exchange', 'allow_any_profile_of_type'),
      'only Custom API clients (app_type resource_server) may use the On-Behalf-Of token exchange',
      'set app_type: resource_server and resource_server_identifier, or remove on_behalf_of_token_exchange',
    );
  }
  if (profiles?.includes('on_behalf_of_token_exchange') && authMethod === 'none') {
    issues.error(
      at('token_endpoint_auth_method'),
      'the On-Behalf-Of token exchange needs client authentication, but token_endpoint_auth_method is none',
      'set token_endpoint_auth_method: client_secret_post (or client_secret_basic)',
    );
  }
  return {
    ...(identifier === undefined ? {} : { resource_server_identifier: identifier }),
    ...(profiles === undefined ? {} : { token_exchange: { allow_any_profile_of_type: [...new Set(profiles)] } }),
  };
}
