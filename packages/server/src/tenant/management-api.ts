import type { ResourceServer } from '../config/types.ts';

/** The name the Deploy CLI filters on; it must be exactly this. */
export const MANAGEMENT_API_NAME = 'Auth0 Management API';

/** The Management API identifier of a tenant: `<issuer>api/v2/`, trailing slash included, as Auth0's. */
export function managementApiIdentifier(issuer: string): string {
  return `${issuer}api/v2/`;
}

const RESOURCES = ['clients', 'client_grants', 'resource_servers', 'roles', 'users'] as const;
const VERBS = ['read', 'create', 'update', 'delete'] as const;
const NOT_EMULATED_RESOURCES = [
  'actions',
  'connection_profiles',
  'custom_domains',
  'directory_provisionings',
  'event_streams',
  'flows',
  'flows_vault_connections',
  'forms',
  'hooks',
  'log_streams',
  'network_acls',
  'organizations',
  'phone_providers',
  'phone_templates',
  'prompts',
  'rate_limit_policies',
  'rules',
  'rules_configs',
  'self_service_profiles',
  'token_exchange_profiles',
  'user_attribute_profiles',
] as const;

/** The Management API scopes authmesh knows; a subset of Auth0's 242, covering the resources it serves. */
export const MANAGEMENT_API_SCOPES: readonly string[] = [
  // A Set: scopes listed twice would be a duplicate scope of the Management API resource server.
  ...new Set([
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
    'read:tenant_settings',
    'update:tenant_settings',
    'read:signing_keys',
    'create:signing_keys',
    'update:signing_keys',
    // The resources the Management API serves as an empty Auth0 tenant does (management/empty-resources.ts),
    // so the Deploy CLI's default configuration can read them.
    ...NOT_EMULATED_RESOURCES.flatMap((resource) => VERBS.map((verb) => `${verb}:${resource}`)),
    ...[
      'attack_protection',
      'branding',
      'email_provider',
      'email_templates',
      'guardian_factors',
      'mfa_policies',
    ].flatMap((resource) => [`read:${resource}`, `update:${resource}`]),
    // Database connections (the Deploy CLI's `databases` and `connections` sections).
    ...VERBS.map((verb) => `${verb}:connections`),
    'read:connections_options',
    'update:connections_options',
  ]),
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
