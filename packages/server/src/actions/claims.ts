/*
 * Auth0's rules for the custom claims an action sets ("Create Custom Claims"): registered JWT/OIDC claims
 * are restricted and the `auth0.com`, `webtask.io` and `webtask.run` namespaces are reserved. Auth0 leaves
 * such claims out of the token without failing the login; the tenant does the same and logs why, so the
 * developer learns locally what production would silently drop.
 * https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
 */

/** Claims an action may not set (Auth0's restricted list). */
const RESTRICTED = new Set([
  'acr',
  'amr',
  'aud',
  'auth_time',
  'azp',
  'at_hash',
  'c_hash',
  'cnf',
  'exp',
  'iat',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'sid',
  'sub',
  'sub_jwk',
  'scope',
  'permissions',
  'gty',
  'org_id',
  'org_name',
  'events',
  'toe',
  'txn',
  'rph',
  'vot',
  'vtm',
  'orig',
  'dest',
  'mky',
  'sip_from_tag',
  'sip_date',
  'sip_callid',
  'sip_cseq_num',
  'sip_via_branch',
]);

const RESERVED_DOMAINS = ['auth0.com', 'webtask.io', 'webtask.run'];

/** Auth0's limit on the custom claims of one token (their JSON size). */
export const MAX_CUSTOM_CLAIMS_BYTES = 100 * 1024;

/** Why Auth0 would leave this claim out, or undefined when it may be set. */
export function restrictedClaimReason(name: string): string | undefined {
  if (RESTRICTED.has(name)) return `"${name}" is a restricted claim`;
  const host = URL.parse(name)?.hostname;
  if (host && RESERVED_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`))) {
    return `"${name}" uses a namespace Auth0 reserves (${RESERVED_DOMAINS.join(', ')})`;
  }
  return undefined;
}
