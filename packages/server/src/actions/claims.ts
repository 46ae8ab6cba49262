/*
 * Auth0's rules for the custom claims an action sets ("Create Custom Claims"): registered JWT/OIDC claims
 * are restricted and the `auth0.com`, `webtask.io` and `webtask.run` namespaces are reserved. "In case of
 * collisions, the transaction won't fail, but your custom claim won't be added to your tokens": the tenant
 * does the same and logs why, so the developer learns locally what production would silently drop. The
 * custom claims of one token are capped at 100 KB (an error, as at Auth0).
 * https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
 */

/**
 * Claims an action may not set: Auth0's list ("The following claims are subject to Auth0's restrictions"),
 * plus `scope`, which an action changes only through `api.accessToken.addScope` / `removeScope`.
 */
const RESTRICTED = new Set([
  'acr',
  'act',
  'active',
  'amr',
  'at_hash',
  'ath',
  'attest',
  'aud',
  'auth_time',
  'authorization_details',
  'azp',
  'c_hash',
  'client_id',
  'cnf',
  'cty',
  'dest',
  'entitlements',
  'events',
  'exp',
  'groups',
  'gty',
  'htm',
  'htu',
  'iat',
  'internalService',
  'iss',
  'jcard',
  'jku',
  'jti',
  'jwe',
  'jwk',
  'kid',
  'may_act',
  'mky',
  'nbf',
  'nonce',
  'object_id',
  'org_id',
  'org_name',
  'orig',
  'origid',
  'permissions',
  'roles',
  'rph',
  's_hash',
  'sid',
  'sip_callid',
  'sip_cseq_num',
  'sip_date',
  'sip_from_tag',
  'sip_via_branch',
  'sub',
  'sub_jwk',
  'toe',
  'txn',
  'typ',
  'uuid',
  'vot',
  'vtm',
  'x5t#S256',
  'scope',
]);

const RESERVED_DOMAINS = ['auth0.com', 'webtask.io', 'webtask.run'];

/** Auth0's limit on the custom claims of one token (their JSON size). */
export const MAX_CUSTOM_CLAIMS_BYTES = 100 * 1024;

/**
 * Auth0: "Access tokens with an Auth0 API audience, excluding the /userinfo endpoint, cannot have private,
 * non-namespaced custom claims". The claims of `claims` that may go into a token for the Management API:
 * those named by an http(s) URL.
 */
export function namespacedClaims(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(claims).filter(([name]) => {
      const url = URL.parse(name);
      return url !== null && (url.protocol === 'https:' || url.protocol === 'http:');
    }),
  );
}

/** Why Auth0 would leave this claim out, or undefined when it may be set. */
export function restrictedClaimReason(name: string): string | undefined {
  if (RESTRICTED.has(name)) return `"${name}" is a restricted claim`;
  const host = URL.parse(name)?.hostname;
  if (host && RESERVED_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`))) {
    return `"${name}" uses a namespace Auth0 reserves (${RESERVED_DOMAINS.join(', ')})`;
  }
  return undefined;
}
