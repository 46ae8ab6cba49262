import type { AppType } from './types.ts';

/**
 * Which Auth0 Deploy CLI fields authmesh reads, which it accepts but ignores, and which it refuses.
 *
 * The rule: a tenant.yaml exported from a real Auth0 tenant (or written for one) must load. Fields that
 * Auth0 itself accepts but that have no effect on what authmesh does (dashboard cosmetics, read-only
 * fields that exports contain, features authmesh does not implement) are accepted and reported as
 * warnings. Anything else is a typo or a misunderstanding and is an error, with a "did you mean".
 * Fields whose silent omission would change security behaviour (e.g. private_key_jwt client auth) are
 * listed in `UNSUPPORTED_*` and refused with a specific message instead of being ignored.
 */

/** Top-level sections authmesh implements. `users` is an authmesh extension (seed users). */
export const SUPPORTED_SECTIONS = [
  'tenant',
  'resourceServers',
  'clients',
  'clientGrants',
  'roles',
  'users',
  'databases',
  'connections',
] as const;

/**
 * Top-level keys the Deploy CLI knows (its `src/tools/auth0/handlers/index.ts`, v8.43) that authmesh does
 * not emulate. Each is accepted with one warning line naming how many entries it holds.
 */
export const IGNORED_SECTIONS = [
  'rules',
  'rulesConfigs',
  'hooks',
  'pages',
  'emailTemplates',
  'emailProvider',
  'guardianFactors',
  'guardianFactorProviders',
  'guardianFactorTemplates',
  'guardianPolicies',
  'guardianPhoneFactorSelectedProvider',
  'guardianPhoneFactorMessageTypes',
  'prompts',
  'branding',
  'migrations',
  'organizations',
  'attackProtection',
  'logStreams',
  'customDomains',
  'themes',
  'forms',
  'flows',
  'flowVaultConnections',
  'selfServiceProfiles',
  'networkACLs',
  'userAttributeProfiles',
  'connectionProfiles',
  'tokenExchangeProfiles',
  'phoneProviders',
  'phoneTemplates',
  'riskAssessment',
  'supplementalSignals',
  'eventStreams',
  'rateLimitPolicies',
  'clientAuthCredentials',
] as const;

/**
 * Client fields from the Management API / Deploy CLI exports that have no authmesh equivalent.
 * Read-only fields (`global`, `tenant`, `signing_keys`, `callback_url_template`) appear in every
 * export; `oidc_conformant`, `sso_disabled`, `cross_origin_*` only tune Auth0's legacy behaviour
 * (authmesh is always OIDC-conformant); organizations, native social login, mobile deep links,
 * back-channel logout, PAR, token exchange and quotas are not implemented.
 */
export const IGNORED_CLIENT_FIELDS = [
  'oidc_conformant',
  'sso_disabled',
  'sso',
  'cross_origin_auth',
  'cross_origin_authentication',
  'cross_origin_loc',
  'custom_login_page_on',
  'custom_login_page',
  'custom_login_page_preview',
  'form_template',
  'logo_uri',
  'client_aliases',
  'addons',
  'initiate_login_uri',
  'organization_usage',
  'organization_require_behavior',
  'organization_discovery_methods',
  'default_organization',
  'native_social_login',
  'mobile',
  'is_token_endpoint_ip_header_trusted',
  'callback_url_template',
  'global',
  'tenant',
  'signing_keys',
  'encryption_key',
  'allowed_clients',
  'oidc_logout',
  'oidc_backchannel_logout',
  'compliance_level',
  'require_pushed_authorization_requests',
  'par_request_expiry',
  'require_proof_of_possession',
  'token_quota',
  'session_transfer',
  'express_configuration',
  'async_approval_notification_channels',
  'skip_non_verifiable_callback_uri_confirmation_prompt',
  'third_party_security_mode',
  'external_metadata_type',
  'external_metadata_created_by',
  'external_client_id',
  'jwks_uri',
  'fedcm_login',
  'signed_request_object',
  'token_vault_privileged_access',
  'my_organization_configuration',
  'redirection_policy',
  'identity_assertion_authorization_grant',
] as const;

/** `jwt_configuration` sub-fields authmesh ignores (it reads `lifetime_in_seconds` and checks `alg`). */
export const IGNORED_JWT_CONFIGURATION_FIELDS = ['secret_encoded', 'scopes'] as const;

/**
 * Resource-server fields without an authmesh equivalent: web-flow lifetimes (no implicit flow),
 * online access, subject-type authorization, consent, RAR, JWE, DPoP/mTLS binding, and the
 * read-only `id`/`client_id` of exports. `signing_secret` only matters for HS256, which is refused.
 */
export const IGNORED_RESOURCE_SERVER_FIELDS = [
  'id',
  'client_id',
  'token_lifetime_for_web',
  'allow_online_access',
  'subject_type_authorization',
  'consent_policy',
  'authorization_details',
  'token_encryption',
  'proof_of_possession',
  'signing_secret',
  'allow_online_access_with_ephemeral_sessions',
  'authorization_policy',
] as const;

/** Client-grant fields without an authmesh equivalent (organizations, RAR, read-only ids). */
export const IGNORED_CLIENT_GRANT_FIELDS = [
  'id',
  'is_system',
  'allow_any_organization',
  'organization_usage',
  'authorization_details_types',
] as const;

/** Role fields of exports that authmesh does not read (`type: organization` roles are an organizations feature). */
export const IGNORED_ROLE_FIELDS = ['id', 'type'] as const;

/** Fields of Auth0's `POST /users` body that make no difference for a seeded database user. */
export const IGNORED_USER_FIELDS = ['connection', 'verify_email'] as const;

/** Tenant settings of `/api/v2/tenants/settings` that authmesh does not implement. */
export const IGNORED_TENANT_FIELDS = [
  'picture_url',
  'support_email',
  'support_url',
  'enabled_locales',
  'flags',
  'sandbox_version',
  'legacy_sandbox_version',
  'default_redirection_uri',
  'error_page',
  'guardian_mfa_page',
  'change_password',
  'device_flow',
  'universal_login',
  'session_cookie',
  'sessions',
  'ephemeral_session_lifetime',
  'idle_ephemeral_session_lifetime',
  'oidc_logout',
  'allow_organization_name_in_authentication_api',
  'customize_mfa_in_postlogin_action',
  'acr_values_supported',
  'mtls',
  'pushed_authorization_requests_supported',
  'authorization_response_iss_parameter_supported',
  'skip_non_verifiable_callback_uri_confirmation_prompt',
  'default_token_quota',
  'resource_parameter_profile',
  'phone_consolidated_experience',
  'enable_ai_guide',
  'ephemeral_session_lifetime_in_minutes',
  'idle_ephemeral_session_lifetime_in_minutes',
  'sandbox_versions_available',
  'security_headers',
  'client_id_metadata_document_supported',
  'include_session_metadata_in_tenant_logs',
  'dynamic_client_registration_security_mode',
  'country_codes',
] as const;

/** A field that is refused with a specific explanation rather than ignored. */
export interface UnsupportedField {
  message: string;
  fix: string;
}

/**
 * Fields whose omission changes what a client or grant may do. Over /api/v2 they are refused (nothing
 * would be stored as asked); a tenant file keeps loading, with a warning naming the field and line.
 */
export const UNSUPPORTED_CLIENT_FIELDS: Readonly<Record<string, UnsupportedField>> = {
  client_authentication_methods: {
    message: 'private_key_jwt and mTLS client authentication are not supported yet',
    fix: 'use token_endpoint_auth_method client_secret_post or client_secret_basic (a tenant file loads without it)',
  },
};

export const UNSUPPORTED_CLIENT_GRANT_FIELDS: Readonly<Record<string, UnsupportedField>> = {
  default_for: {
    message: 'default grants for third-party clients (`default_for`) are not supported yet',
    fix: 'grant each client by client_id instead (a tenant file skips this grant)',
  },
};

/** Extra context for some ignored fields, shown in the warning. */
export const IGNORED_FIELD_NOTES: Readonly<Record<string, string>> = {
  signing_secret: 'it is only used with HS256 and authmesh signs with RS256',
  token_lifetime_for_web: 'authmesh issues no access token from /authorize; token_lifetime applies',
  client_authentication_methods:
    'private_key_jwt and mTLS client authentication are not emulated; the client authenticates with a secret',
};

/** Auth0's `app_type` values (the Management API's client schema), in its order. */
export const AUTH0_APP_TYPES = [
  'native',
  'spa',
  'regular_web',
  'non_interactive',
  'resource_server',
  'express_configuration',
  'rms',
  'box',
  'cloudbees',
  'concur',
  'dropbox',
  'mscrm',
  'echosign',
  'egnyte',
  'newrelic',
  'office365',
  'salesforce',
  'sentry',
  'sharepoint',
  'slack',
  'springcm',
  'zendesk',
  'zoom',
  'sso_integration',
  'oag',
] as const satisfies readonly AppType[];

/** Grant types authmesh implements. */
export const SUPPORTED_GRANT_TYPES = [
  'authorization_code',
  // ID tokens from /authorize (`response_type=id_token`, Auth0's "Implicit Flow with Form Post" that
  // express-openid-connect uses by default); the engine issues no access token from /authorize.
  'implicit',
  'refresh_token',
  'client_credentials',
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
] as const;

/**
 * Other grant-type strings Auth0 accepts on a client. They are dropped with a warning (an Auth0
 * export of a client that once enabled one of them must still load); anything else is a typo.
 */
export const AUTH0_ONLY_GRANT_TYPES: readonly string[] = [
  'http://auth0.com/oauth/grant-type/mfa-oob',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code',
  'http://auth0.com/oauth/grant-type/passwordless/otp',
  'http://auth0.com/oauth/legacy/grant-type/access_token',
  'http://auth0.com/oauth/legacy/grant-type/delegation.refresh_token',
  'http://auth0.com/oauth/legacy/grant-type/delegation.id_token',
  'http://auth0.com/oauth/legacy/grant-type/ro',
  'http://auth0.com/oauth/legacy/grant-type/ro.jwt',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token',
  'urn:openid:params:grant-type:ciba',
];

/** Auth0 names the Management API resource server exactly this; the Deploy CLI refuses to configure it. */
export const MANAGEMENT_API_NAME = 'Auth0 Management API';

/**
 * The Management API's identifier is `https://<tenant domain>/api/v2/`. The issuer is unknown while
 * loading, so any identifier with that suffix is treated as the Management API.
 */
export function isManagementApiIdentifier(identifier: string): boolean {
  return identifier.endsWith('/api/v2/');
}
