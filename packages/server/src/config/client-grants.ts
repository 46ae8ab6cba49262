import { isManagementApiIdentifier } from './auth0-fields.ts';
import type { Catalog, SectionEntry } from './catalog.ts';
import { isPublicAppType } from './defaults.ts';
import { formatPath, type PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { checkScopesOnApi, findApi, findClient } from './references.ts';
import type { RawClientGrant } from './schema.ts';
import type { ClientGrant } from './types.ts';
import { isLoopbackHost } from './urls.ts';

/**
 * Checks the client grants (machine-to-machine access: client → API audience → scopes) against the
 * declared clients and APIs, and normalizes them: `client_id` becomes the client's NAME (as the
 * Deploy CLI writes it), `allow_all_scopes` is expanded, and `scope` is sorted and de-duplicated.
 */
export function normalizeClientGrants(
  entries: readonly SectionEntry<RawClientGrant>[],
  catalog: Catalog,
  issues: IssueCollector,
): ClientGrant[] {
  const out: ClientGrant[] = [];
  // Auth0 answers a second grant for the same (client, audience) with 409; say it up front.
  const pairs = new Map<string, PathSegment[]>();
  for (const entry of entries) {
    if (entry.value === undefined) continue;
    const grant = normalizeClientGrant(entry.value, entry.path, catalog, issues);
    if (grant === undefined) continue;
    // Every Management API audience is this tenant's one, so two of them for one client are duplicates.
    const audienceKey = isManagementApiIdentifier(grant.audience) ? '/api/v2/' : grant.audience;
    const pair = JSON.stringify([grant.client_id, audienceKey, grant.subject_type ?? 'client']);
    const first = pairs.get(pair);
    if (first !== undefined) {
      issues.error(
        entry.path,
        `client ${quote(grant.client_id)} already has a grant for ${quote(grant.audience)} at ${issues.where(first)}`,
        'merge the scopes into one grant and remove the other',
      );
      continue;
    }
    pairs.set(pair, entry.path);
    out.push(grant);
  }
  return out;
}

function normalizeClientGrant(
  raw: RawClientGrant,
  path: readonly PathSegment[],
  catalog: Catalog,
  issues: IssueCollector,
): ClientGrant | undefined {
  const at = (...rest: PathSegment[]) => [...path, ...rest];
  let ok = true;

  // `subject_type: user`: a user-delegated grant, what a Custom API client needs on the downstream API for
  // the On-Behalf-Of token exchange (engine/token-exchange.ts).
  const delegated = raw.subject_type === 'user';
  // Reported with its field (schema.ts); there is no client to grant.
  if ('default_for' in raw) return undefined;
  if (raw.allow_all_scopes === true && raw.scope !== undefined) {
    issues.error(
      at('scope'),
      'scope must be absent when allow_all_scopes is true (as the Deploy CLI requires)',
      'remove scope, or remove allow_all_scopes to grant only the listed scopes',
    );
    ok = false;
  } else if (raw.allow_all_scopes !== true && raw.scope === undefined) {
    issues.error(
      at('scope'),
      '`scope` is required',
      'add `scope: [...]` listing the granted scopes, or `allow_all_scopes: true`',
    );
    ok = false;
  }

  if (raw.client_id === undefined) {
    issues.error(at('client_id'), '`client_id` is required', 'add `client_id: <client name>`');
    return undefined;
  }
  const client = findClient(catalog, raw.client_id, at('client_id'), issues);
  if (client?.item !== undefined) {
    const { item } = client;
    if (isPublicAppType(item.app_type)) {
      issues.error(
        at('client_id'),
        `client ${quote(client.key)} is a ${item.app_type} app; client grants are for machine-to-machine clients`,
        'remove this grant, or grant a non_interactive client instead',
      );
      ok = false;
    } else if (delegated && item.app_type !== 'resource_server') {
      // Auth0 stores such a grant; only a Custom API client can exchange tokens with it.
      issues.warn(
        `${issues.where(at('client_id'))}: client ${quote(client.key)} cannot use this user-delegated grant: only a Custom API client (app_type: resource_server) exchanges tokens on a user's behalf`,
      );
    } else if (!delegated && !item.grant_types.includes('client_credentials')) {
      // Auth0 stores such a grant; the client just cannot use it until it gets the grant type.
      issues.warn(
        `${issues.where(at('client_id'))}: client ${quote(client.key)} cannot use this grant until client_credentials is in grant_types of ${formatPath(client.path)}`,
      );
    }
  }

  let scope = raw.scope ?? [];
  if (isManagementApiIdentifier(raw.audience)) {
    // An export from a real tenant names that tenant's Management API; here it means this tenant's,
    // which the tenant maps at start-up (it alone knows its issuer) and whose scopes it checks.
    const host = URL.parse(raw.audience)?.hostname;
    if (host !== undefined && !isLoopbackHost(host)) {
      issues.warn(
        `${issues.where(at('audience'))}: ${quote(raw.audience)} is taken as this tenant's Management API (<issuer>/api/v2/)`,
      );
    }
    if (raw.allow_all_scopes === true) {
      issues.error(
        at('allow_all_scopes'),
        'allow_all_scopes is not supported for the Management API',
        'list the Management API scopes this client needs in `scope`',
      );
      ok = false;
    }
  } else {
    const api = findApi(catalog, raw.audience, at('audience'), 'audience', issues);
    if (api === undefined) ok = false;
    else if (raw.allow_all_scopes === true) scope = api.item?.scopes.map((s) => s.value) ?? [];
    else checkScopesOnApi(api, scope, at('scope'), issues);
  }

  if (!ok || client === undefined) return undefined;
  return {
    client_id: client.key,
    audience: raw.audience,
    scope: [...new Set(scope)].sort(),
    ...(delegated ? { subject_type: 'user' as const } : {}),
  };
}
