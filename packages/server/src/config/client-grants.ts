import { isManagementApiIdentifier } from './auth0-fields.ts';
import type { Catalog, SectionEntry } from './catalog.ts';
import { isPublicAppType } from './defaults.ts';
import { formatPath, type PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { checkScopesOnApi, findApi, findClient } from './references.ts';
import type { RawClientGrant } from './schema.ts';
import type { ClientGrant } from './types.ts';

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
    const pair = JSON.stringify([grant.client_id, grant.audience]);
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

  if (raw.subject_type === 'user') {
    issues.error(
      at('subject_type'),
      'user-access client grants (subject_type: user) are not supported yet',
      'remove this grant or set subject_type: client',
    );
    ok = false;
  }
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

  // A `default_for` grant has no client; it has been reported as unsupported already.
  if (raw.client_id === undefined) {
    if (!('default_for' in raw))
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
    } else if (!item.grant_types.includes('client_credentials')) {
      issues.error(
        at('client_id'),
        `client ${quote(client.key)} cannot use this grant: client_credentials is not in its grant_types`,
        `add client_credentials to grant_types of ${formatPath(client.path)}`,
      );
      ok = false;
    }
  }

  let scope = raw.scope ?? [];
  if (isManagementApiIdentifier(raw.audience)) {
    // The tenant owns the Management API and checks the audience against its issuer and the scopes
    // against its own list at start-up; nothing to resolve here.
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
  return { client_id: client.key, audience: raw.audience, scope: [...new Set(scope)].sort() };
}
