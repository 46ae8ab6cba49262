/**
 * The tenant configuration after loading and validation. Field names follow Auth0's Management API and
 * Deploy CLI (snake_case) so that tenant.yaml, /api/v2 and the stored state share one vocabulary.
 * Every default is already applied: code that consumes a `TenantConfig` never re-checks it.
 */

export type TokenDialect = 'access_token' | 'access_token_authz' | 'rfc9068_profile' | 'rfc9068_profile_authz';
/**
 * Every `app_type` Auth0's client schema knows. `spa`, `native`, `regular_web` and `non_interactive` change
 * defaults here; the others (Auth0's SSO integrations, `resource_server`, …) behave as a client without
 * `app_type`: Auth0's generic, confidential application.
 */
export type AppType =
  | 'spa'
  | 'native'
  | 'regular_web'
  | 'non_interactive'
  | 'resource_server'
  | 'express_configuration'
  | 'rms'
  | 'box'
  | 'cloudbees'
  | 'concur'
  | 'dropbox'
  | 'mscrm'
  | 'echosign'
  | 'egnyte'
  | 'newrelic'
  | 'office365'
  | 'salesforce'
  | 'sentry'
  | 'sharepoint'
  | 'slack'
  | 'springcm'
  | 'zendesk'
  | 'zoom'
  | 'sso_integration'
  | 'oag';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';
export type GrantType =
  | 'authorization_code'
  | 'implicit'
  | 'refresh_token'
  | 'client_credentials'
  | 'password'
  | 'http://auth0.com/oauth/grant-type/password-realm';

export interface ResourceServerScope {
  value: string;
  description?: string;
}

export interface ResourceServer {
  name: string;
  /** The API identifier = the `audience`. Any string, not necessarily a URL (Auth0 allows `my-api`). */
  identifier: string;
  scopes: ResourceServerScope[];
  /** Access-token lifetime in seconds. Auth0 default 86400, max 2592000. */
  token_lifetime: number;
  /** RBAC: user tokens carry only the scopes the user holds as permissions. */
  enforce_policies: boolean;
  token_dialect: TokenDialect;
  allow_offline_access: boolean;
  signing_alg: 'RS256';
  skip_consent_for_verifiable_first_party_clients: boolean;
  /** True only for the implicit Management API. */
  is_system: boolean;
}

export interface RefreshTokenPolicy {
  audience: string;
  scope: string[];
}

export interface RefreshTokenSettings {
  rotation_type: 'rotating' | 'non-rotating';
  expiration_type: 'expiring' | 'non-expiring';
  /** Seconds during which the previous refresh token may be reused (Auth0 "rotation overlap period"). */
  leeway: number;
  token_lifetime: number;
  infinite_token_lifetime: boolean;
  idle_token_lifetime: number;
  infinite_idle_token_lifetime: boolean;
  /** Auth0 Multi-Resource Refresh Token policies. */
  policies: RefreshTokenPolicy[];
}

export interface Client {
  name: string;
  description?: string;
  /** Pinned in the file, or undefined: then generated on first start and persisted in the data dir. */
  client_id?: string;
  /** Pinned in the file, or undefined: then generated (confidential clients only) and persisted. */
  client_secret?: string;
  /** Auth0's `client_metadata` (config/client-metadata.ts): the actions' `event.client.metadata`. */
  client_metadata?: Record<string, string>;
  /** Absent when the file has none: Auth0's generic application (confidential, every default grant). */
  app_type?: AppType;
  /** False for third-party clients, which see a consent page that first-party clients skip. */
  is_first_party: boolean;
  callbacks: string[];
  allowed_logout_urls: string[];
  web_origins: string[];
  allowed_origins: string[];
  grant_types: GrantType[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  refresh_token: RefreshTokenSettings;
  /** ID-token lifetime in seconds (Auth0 `jwt_configuration.lifetime_in_seconds`, default 36000). */
  id_token_lifetime: number;
  /** A Custom API client (`app_type: resource_server`): the identifier of the API it is the client of. */
  resource_server_identifier?: string;
  /** The token-exchange profiles the client may use (`on_behalf_of_token_exchange`). */
  token_exchange?: { allow_any_profile_of_type: TokenExchangeProfileType[] };
}

/** Auth0's `token_exchange.allow_any_profile_of_type` values. */
export type TokenExchangeProfileType = 'on_behalf_of_token_exchange' | 'custom_authentication';

export interface ClientGrant {
  /** The client's NAME, as the Deploy CLI writes it (resolved to a client id at start-up). */
  client_id: string;
  audience: string;
  /** Sorted, de-duplicated. */
  scope: string[];
  /** `user`: a user-delegated grant (On-Behalf-Of token exchange); absent: machine-to-machine. */
  subject_type?: 'user';
}

export interface Permission {
  resource_server_identifier: string;
  permission_name: string;
}

export interface Role {
  name: string;
  description?: string;
  permissions: Permission[];
}

/** authmesh extension: users seeded into the database connection. */
export interface UserSeed {
  email: string;
  /** Plain text in the file (usually `##VAR##`); hashed (argon2id) before it is stored. */
  password: string;
  /** Pinned `auth0|…` id, or undefined: then derived once and persisted. */
  user_id?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  nickname?: string;
  picture?: string;
  email_verified: boolean;
  /** Role NAMES. */
  roles: string[];
  permissions: Permission[];
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
}

export interface TenantSettings {
  friendly_name?: string;
  /** Applied when /authorize or /oauth/token carries no audience (Auth0 "Default Audience"). */
  default_audience?: string;
  /** Tenant-level allow-list for /v2/logout without client_id. */
  allowed_logout_urls: string[];
  /** SSO session absolute lifetime in hours (Auth0 default 720 = 30 days). */
  session_lifetime: number;
  /** SSO session idle lifetime in hours (Auth0 default 72 = 3 days). */
  idle_session_lifetime: number;
  /** The connection the `password` grant authenticates against (Auth0 "Default Directory"). */
  default_directory?: string;
}

export interface TenantConfig {
  /** Absolute path of the file it came from (for messages), or '<inline>'. */
  source: string;
  tenant: TenantSettings;
  /** Declared APIs only; the Management API is added by the tenant, not listed here. */
  resourceServers: ResourceServer[];
  clients: Client[];
  clientGrants: ClientGrant[];
  roles: Role[];
  users: UserSeed[];
  /** Database connections (`databases`) and social/enterprise ones (`connections`), see config/connections.ts. */
  connections: Connection[];
  /** Auth0 Actions (the Deploy CLI's `actions` section); default []. */
  actions: Action[];
  /** Which actions run on which trigger, in order (the Deploy CLI's `triggers` section); default {}. */
  triggers: TriggerBindings;
  /** Non-fatal notes (e.g. Auth0 fields authmesh accepts but ignores), printed at start-up. */
  warnings: string[];
}

/** Auth0's password strength levels (database connection `options.passwordPolicy`). */
export type PasswordPolicy = 'none' | 'low' | 'fair' | 'good' | 'excellent';

/** The database-connection options authmesh honours; the rest of Auth0's `options` ride along untouched. */
export interface DatabaseOptions {
  disable_signup: boolean;
  requires_username: boolean;
  passwordPolicy: PasswordPolicy;
  /** `password_complexity_options.min_length`, when set (Auth0: 1..128, overrides the level's length). */
  min_length?: number;
  brute_force_protection: boolean;
}

/**
 * A connection: `strategy: auth0` for a database (the Deploy CLI's `databases` section), any other strategy
 * (google-oauth2, github, samlp, oidc, waad…) for a social or enterprise one, emulated by a local identity page.
 */
export interface Connection {
  name: string;
  strategy: string;
  display_name?: string;
  /** Client NAMES or ids as the file wrote them; `undefined` means every client (Auth0's default connection). */
  enabled_clients?: string[];
  /** Auth0's `options` object as declared (kept for /api/v2 and exports). */
  options: Record<string, unknown>;
  /** Present for database connections only. */
  database?: DatabaseOptions;
  metadata?: Record<string, string>;
}

/** The Auth0 Actions triggers authmesh runs (Auth0's trigger ids). */
export type TriggerId =
  | 'post-login'
  | 'credentials-exchange'
  | 'pre-user-registration'
  | 'post-user-registration'
  | 'post-change-password';

/** An Auth0 Action as the Deploy CLI writes it. */
export interface Action {
  name: string;
  /** The JavaScript source as written (keywords already replaced), and where it came from, for messages and stacks. */
  code: string;
  /** Absolute path when the code came from a file: hot reload re-reads it when its mtime changes. */
  codeFile?: string;
  /** `node18`, `node22`… as Auth0 writes it; informational (the tenant's own Node runs the code). */
  runtime: string;
  dependencies: { name: string; version: string }[];
  secrets: { name: string; value: string }[];
  supported_triggers: { id: TriggerId; version: string }[];
}

/** Per trigger, the action NAMES bound to it, in execution order (the Deploy CLI's `triggers` section). */
export type TriggerBindings = Partial<Record<TriggerId, string[]>>;
