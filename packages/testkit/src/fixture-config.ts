import type { Client, TenantConfig } from '@authmesh/server';

const rt = {
  rotation_type: 'non-rotating' as const,
  expiration_type: 'non-expiring' as const,
  leeway: 0,
  token_lifetime: 2_592_000,
  infinite_token_lifetime: true,
  idle_token_lifetime: 1_296_000,
  infinite_idle_token_lifetime: true,
  policies: [],
};

function client(overrides: Partial<Client> & Pick<Client, 'name' | 'app_type'>): Client {
  const machine = overrides.app_type === 'non_interactive';
  const confidential = overrides.app_type === 'non_interactive' || overrides.app_type === 'regular_web';
  return {
    is_first_party: true,
    callbacks: [],
    allowed_logout_urls: [],
    web_origins: [],
    allowed_origins: [],
    grant_types: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: confidential ? 'client_secret_post' : 'none',
    refresh_token: machine
      ? rt
      : {
          ...rt,
          rotation_type: 'rotating',
          expiration_type: 'expiring',
          infinite_token_lifetime: false,
          infinite_idle_token_lifetime: false,
        },
    id_token_lifetime: 36_000,
    ...overrides,
  };
}

/**
 * The tenant the server tests run against, built in code (not YAML) so that these tests do not depend on
 * the config loader: the forum's system in miniature.
 */
export function fixtureConfig(overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    source: '<fixture>',
    tenant: { allowed_logout_urls: [], session_lifetime: 720, idle_session_lifetime: 72 },
    resourceServers: [
      {
        name: 'Catalog API',
        identifier: 'https://catalog.example.test',
        scopes: [{ value: 'read:catalog' }, { value: 'write:catalog' }, { value: 'adjust:stock' }],
        token_lifetime: 3600,
        enforce_policies: true,
        token_dialect: 'access_token_authz',
        allow_offline_access: true,
        signing_alg: 'RS256',
        skip_consent_for_verifiable_first_party_clients: true,
        is_system: false,
      },
      {
        name: 'Orders API',
        identifier: 'orders-api',
        scopes: [{ value: 'read:orders' }, { value: 'create:orders' }],
        token_lifetime: 86_400,
        enforce_policies: false,
        token_dialect: 'access_token',
        allow_offline_access: false,
        signing_alg: 'RS256',
        skip_consent_for_verifiable_first_party_clients: true,
        is_system: false,
      },
    ],
    clients: [
      client({
        name: 'Shop SPA',
        app_type: 'spa',
        client_id: 'spa-client-0001',
        callbacks: ['http://localhost:5173/callback'],
        allowed_logout_urls: ['http://localhost:5173/'],
        web_origins: ['http://localhost:5173'],
      }),
      client({
        name: 'Orders Service',
        app_type: 'non_interactive',
        client_id: 'orders-m2m-0001',
        client_secret: 'orders-secret-0123456789abcdef0123456789abcdef',
      }),
      client({ name: 'Inventory Service', app_type: 'non_interactive' }),
      client({
        name: 'Back Office',
        app_type: 'regular_web',
        client_id: 'backoffice-0001',
        client_secret: 'backoffice-secret-0123456789abcdef0123456789ab',
        callbacks: ['https://app.example.test/callback'],
        allowed_logout_urls: ['https://app.example.test/'],
      }),
    ],
    clientGrants: [
      { client_id: 'Orders Service', audience: 'https://catalog.example.test', scope: ['read:catalog'] },
      {
        client_id: 'Inventory Service',
        audience: 'https://catalog.example.test',
        scope: ['adjust:stock', 'read:catalog'],
      },
    ],
    roles: [
      {
        name: 'Customer',
        permissions: [{ resource_server_identifier: 'https://catalog.example.test', permission_name: 'read:catalog' }],
      },
      {
        name: 'Staff',
        permissions: [
          { resource_server_identifier: 'https://catalog.example.test', permission_name: 'read:catalog' },
          { resource_server_identifier: 'https://catalog.example.test', permission_name: 'adjust:stock' },
        ],
      },
    ],
    users: [
      {
        email: 'alice@example.test',
        password: 'correct horse battery staple',
        name: 'Alice Customer',
        email_verified: true,
        roles: ['Customer'],
        permissions: [],
        app_metadata: {},
        user_metadata: {},
      },
      {
        email: 'bob@example.test',
        password: 'staff password 1234',
        name: 'Bob Staff',
        email_verified: true,
        roles: ['Staff'],
        permissions: [],
        app_metadata: {},
        user_metadata: {},
      },
    ],
    // Auth0's default database connection, enabled for every client (what the loader declares by default).
    connections: [
      {
        name: 'Username-Password-Authentication',
        strategy: 'auth0',
        options: {},
        database: {
          disable_signup: false,
          requires_username: false,
          passwordPolicy: 'good',
          brute_force_protection: true,
        },
      },
    ],
    actions: [],
    triggers: {},
    warnings: [],
    ...overrides,
  };
}

/**
 * A Custom API client (Auth0 `app_type: resource_server`) allowed the On-Behalf-Of token exchange: the calling
 * API's own client, which trades a user's token for one to `api`'s downstream APIs.
 */
export function customApiClient(name: string, ids: { id: string; secret: string }, api: string): Client {
  return {
    name,
    app_type: 'resource_server',
    client_id: ids.id,
    client_secret: ids.secret,
    resource_server_identifier: api,
    token_exchange: { allow_any_profile_of_type: ['on_behalf_of_token_exchange'] },
    is_first_party: true,
    callbacks: [],
    allowed_logout_urls: [],
    web_origins: [],
    allowed_origins: [],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post',
    refresh_token: rt,
    id_token_lifetime: 36_000,
  };
}

/** The id and secret of one of the fixture's confidential applications, by name (from the fixture itself). */
export function fixtureClientCredentials(name: string): { id: string; secret: string } {
  const client = fixtureConfig().clients.find((c) => c.name === name);
  if (!client?.client_id || !client.client_secret) throw new Error(`the fixture has no confidential client ${name}`);
  return { id: client.client_id, secret: client.client_secret };
}
