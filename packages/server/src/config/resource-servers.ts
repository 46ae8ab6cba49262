import { isManagementApiIdentifier, MANAGEMENT_API_NAME } from './auth0-fields.ts';
import { RESOURCE_SERVER_DEFAULTS } from './defaults.ts';
import type { PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import type { RawResourceServer } from './schema.ts';
import type { ResourceServer, ResourceServerScope } from './types.ts';

/**
 * Checks one API (resource server) beyond its schema and applies Auth0's defaults. Returns the
 * normalized API even when issues were recorded, so later checks can still reference it.
 */
export function normalizeResourceServer(
  raw: RawResourceServer,
  path: readonly PathSegment[],
  issues: IssueCollector,
): ResourceServer {
  // The tenant adds the Management API itself (is_system, identifier derived from the issuer); the
  // Deploy CLI refuses to configure it too, by this exact name.
  if (isManagementApiIdentifier(raw.identifier)) {
    issues.error(
      [...path, 'identifier'],
      `${quote(raw.identifier)} is the Auth0 Management API identifier; authmesh provides that API itself`,
      'remove this API from resourceServers, or give your API an identifier that does not end in /api/v2/',
    );
  }
  if (raw.name.trim().toLowerCase() === MANAGEMENT_API_NAME.toLowerCase()) {
    issues.error(
      [...path, 'name'],
      `\`${MANAGEMENT_API_NAME}\` is reserved for the Management API that authmesh provides`,
      'remove this API, or give your API another name',
    );
  }
  // Auth0 also signs with HS256 or PS256; the file loads, and the API must accept RS256 tokens here.
  if (raw.signing_alg !== undefined && raw.signing_alg !== 'RS256') {
    issues.caution(
      [...path, 'signing_alg'],
      `signing_alg ${quote(raw.signing_alg)} is not emulated: access tokens for this API are signed with RS256`,
      'set signing_alg: RS256 so that the API verifies the same tokens in Auth0 and here',
    );
  }
  if (raw.is_system === true) {
    issues.error(
      [...path, 'is_system'],
      'is_system: true is reserved for the Management API',
      'remove is_system or set it to false',
    );
  }

  const enforcePolicies = raw.enforce_policies ?? RESOURCE_SERVER_DEFAULTS.enforce_policies;
  const dialect = raw.token_dialect ?? RESOURCE_SERVER_DEFAULTS.token_dialect;
  // Auth0 rejects the *_authz dialects without RBAC: they put the user's permissions in the token.
  if (dialect.endsWith('_authz') && !enforcePolicies) {
    issues.error(
      [...path, 'token_dialect'],
      `token_dialect ${quote(dialect)} adds RBAC permissions to tokens and requires enforce_policies: true`,
      `set enforce_policies: true, or use token_dialect ${dialect.replace(/_authz$/, '')}`,
    );
  }

  return {
    name: raw.name,
    identifier: raw.identifier,
    scopes: checkScopes(raw.scopes ?? [], [...path, 'scopes'], issues),
    token_lifetime: raw.token_lifetime ?? RESOURCE_SERVER_DEFAULTS.token_lifetime,
    enforce_policies: enforcePolicies,
    token_dialect: dialect,
    allow_offline_access: raw.allow_offline_access ?? RESOURCE_SERVER_DEFAULTS.allow_offline_access,
    signing_alg: RESOURCE_SERVER_DEFAULTS.signing_alg,
    skip_consent_for_verifiable_first_party_clients:
      raw.skip_consent_for_verifiable_first_party_clients ??
      RESOURCE_SERVER_DEFAULTS.skip_consent_for_verifiable_first_party_clients,
    is_system: RESOURCE_SERVER_DEFAULTS.is_system,
  };
}

function checkScopes(
  scopes: readonly ResourceServerScope[],
  path: readonly PathSegment[],
  issues: IssueCollector,
): ResourceServerScope[] {
  const out: ResourceServerScope[] = [];
  const seen = new Map<string, number>();
  scopes.forEach((scope, i) => {
    const at = [...path, i, 'value'];
    // A scope is one token of the space-separated `scope` parameter, so it cannot contain spaces.
    if (/\s/.test(scope.value)) {
      issues.error(at, `scope ${quote(scope.value)} contains whitespace`, 'use one word per scope, e.g. `read:orders`');
      return;
    }
    const first = seen.get(scope.value);
    if (first !== undefined) {
      issues.error(
        at,
        `scope ${quote(scope.value)} is declared twice (also at ${issues.where([...path, first, 'value'])})`,
        'remove the duplicate',
      );
      return;
    }
    seen.set(scope.value, i);
    out.push(
      scope.description === undefined ? { value: scope.value } : { value: scope.value, description: scope.description },
    );
  });
  return out;
}
