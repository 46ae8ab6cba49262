import type { ResourceServer } from '../config/types.ts';

/** The name the Deploy CLI filters on; it must be exactly this. */
export const MANAGEMENT_API_NAME = 'Auth0 Management API';

/** The Management API identifier of a tenant: `<issuer>api/v2/`, trailing slash included, as Auth0's. */
export function managementApiIdentifier(issuer: string): string {
  return `${issuer}api/v2/`;
}

const RESOURCES = ['clients', 'client_grants', 'resource_servers', 'roles', 'users'] as const;
const VERBS = ['read', 'create', 'update', 'delete'] as const;

/** The Management API scopes authmesh knows; a subset of Auth0's 242, covering the resources it serves. */
export const MANAGEMENT_API_SCOPES: readonly string[] = [
  ...RESOURCES.flatMap((resource) => VERBS.map((verb) => `${verb}:${resource}`)),
  'read:client_keys',
  'update:client_keys',
  'read:client_summary',
  'read:role_members',
  'create:role_members',
  'delete:role_members',
  'update:users_app_metadata',
  'read:current_user',
  'update:current_user_metadata',
];

/** The implicit Management API resource server every tenant has. */
export function managementApi(issuer: string): ResourceServer {
  return {
    name: MANAGEMENT_API_NAME,
    identifier: managementApiIdentifier(issuer),
    scopes: MANAGEMENT_API_SCOPES.map((value) => ({ value })),
    token_lifetime: 86_400,
    enforce_policies: false,
    token_dialect: 'access_token',
    allow_offline_access: false,
    signing_alg: 'RS256',
    skip_consent_for_verifiable_first_party_clients: false,
    is_system: true,
  };
}
