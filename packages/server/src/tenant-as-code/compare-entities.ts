import type { Client, ResourceServer, Role } from '../config/types.ts';
import type { ClientRecord, ResourceServerRecord, RoleRecord } from '../tenant/records.ts';
import { sortPermissions } from './canonical.ts';
import type { Comparison } from './diff.ts';

/*
 * The fields an import writes, per kind, in the order a plan lists them. Values the tenant generated
 * (ids, secrets) are compared only when the file pins them: otherwise the import keeps them.
 */

function resourceServerFields(api: ResourceServer): Record<string, unknown> {
  return {
    name: api.name,
    scopes: api.scopes,
    token_lifetime: api.token_lifetime,
    enforce_policies: api.enforce_policies,
    token_dialect: api.token_dialect,
    allow_offline_access: api.allow_offline_access,
    signing_alg: api.signing_alg,
    skip_consent_for_verifiable_first_party_clients: api.skip_consent_for_verifiable_first_party_clients,
    is_system: api.is_system,
  };
}

export function compareResourceServer(api: ResourceServer, stored: ResourceServerRecord | undefined): Comparison {
  return { desired: resourceServerFields(api), stored: stored && resourceServerFields(stored) };
}

function clientFields(client: Client, pinned: Client): Record<string, unknown> {
  return {
    ...(pinned.client_id === undefined ? {} : { client_id: client.client_id }),
    ...(pinned.client_secret === undefined ? {} : { client_secret: client.client_secret }),
    description: client.description,
    app_type: client.app_type,
    is_first_party: client.is_first_party,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    callbacks: client.callbacks,
    allowed_logout_urls: client.allowed_logout_urls,
    web_origins: client.web_origins,
    allowed_origins: client.allowed_origins,
    grant_types: client.grant_types,
    refresh_token: client.refresh_token,
    id_token_lifetime: client.id_token_lifetime,
    client_metadata: client.client_metadata ?? {},
  };
}

/** `client_id` and `client_secret` are compared only when the file pins them. */
export function compareClient(client: Client, stored: ClientRecord | undefined): Comparison {
  return {
    desired: clientFields(client, client),
    stored: stored && clientFields(stored, client),
    secret: ['client_secret'],
  };
}

/** Permissions are a set: their order in a file or in storage is not a change. */
function roleFields(role: Role): Record<string, unknown> {
  return { description: role.description, permissions: sortPermissions(role.permissions) };
}

export function compareRole(role: Role, stored: RoleRecord | undefined): Comparison {
  return { desired: roleFields(role), stored: stored && roleFields(stored) };
}

export function compareClientGrant(scope: readonly string[], stored: { scope: string[] } | undefined): Comparison {
  return { desired: { scope }, stored: stored && { scope: stored.scope } };
}
