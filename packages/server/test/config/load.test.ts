import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTenantConfigFile, parseTenantConfig } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/types.ts';
import { AuthmeshError } from '../../src/errors.ts';

const FULL = fileURLToPath(new URL('./fixtures/full.yaml', import.meta.url));
const ENV = {
  ORDERS_WORKER_SECRET: 'ow-secret-0123456789abcdef0123456789abcdef',
  ALICE_PASSWORD: 'correct horse battery staple',
  BOB_PASSWORD: 'b0b-pa55word',
};

const ORDERS = 'https://api.acme.test/orders';
const BILLING = 'https://api.acme.test/billing';

const m2mRefreshToken = {
  rotation_type: 'non-rotating',
  expiration_type: 'non-expiring',
  leeway: 0,
  token_lifetime: 2_592_000,
  infinite_token_lifetime: true,
  idle_token_lifetime: 1_296_000,
  infinite_idle_token_lifetime: true,
  policies: [],
} as const;

const expected: TenantConfig = {
  source: FULL,
  tenant: {
    friendly_name: 'Acme (local)',
    default_audience: ORDERS,
    allowed_logout_urls: ['http://localhost:5173/'],
    session_lifetime: 720,
    idle_session_lifetime: 72,
  },
  resourceServers: [
    {
      name: 'Orders API',
      identifier: ORDERS,
      scopes: [
        { value: 'read:orders', description: 'Read orders' },
        { value: 'write:orders', description: 'Create and update orders' },
      ],
      token_lifetime: 86_400,
      enforce_policies: true,
      token_dialect: 'access_token_authz',
      allow_offline_access: true,
      signing_alg: 'RS256',
      skip_consent_for_verifiable_first_party_clients: true,
      is_system: false,
    },
    {
      name: 'Billing API',
      identifier: BILLING,
      scopes: [{ value: 'read:invoices' }, { value: 'pay:invoices' }],
      token_lifetime: 3600,
      enforce_policies: false,
      token_dialect: 'access_token',
      allow_offline_access: false,
      signing_alg: 'RS256',
      skip_consent_for_verifiable_first_party_clients: true,
      is_system: false,
    },
    {
      name: 'Inventory API',
      identifier: 'inventory',
      scopes: [{ value: 'read:stock' }, { value: 'reserve:stock' }],
      token_lifetime: 86_400,
      enforce_policies: false,
      token_dialect: 'rfc9068_profile',
      allow_offline_access: false,
      signing_alg: 'RS256',
      skip_consent_for_verifiable_first_party_clients: true,
      is_system: false,
    },
  ],
  clients: [
    {
      name: 'Acme SPA',
      app_type: 'spa',
      is_first_party: true,
      callbacks: ['http://localhost:5173/callback'],
      allowed_logout_urls: ['http://localhost:5173/'],
      web_origins: ['http://localhost:5173'],
      allowed_origins: [],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
      refresh_token: {
        rotation_type: 'rotating',
        expiration_type: 'expiring',
        leeway: 10,
        token_lifetime: 2_592_000,
        infinite_token_lifetime: false,
        idle_token_lifetime: 1_296_000,
        infinite_idle_token_lifetime: false,
        policies: [
          { audience: BILLING, scope: ['read:invoices'] },
          { audience: 'inventory', scope: ['read:stock', 'reserve:stock'] },
        ],
      },
      id_token_lifetime: 3600,
    },
    {
      name: 'Orders Worker',
      client_id: 'orders-worker-0001',
      client_secret: ENV.ORDERS_WORKER_SECRET,
      app_type: 'non_interactive',
      is_first_party: true,
      callbacks: [],
      allowed_logout_urls: [],
      web_origins: [],
      allowed_origins: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      refresh_token: { ...m2mRefreshToken, policies: [] },
      id_token_lifetime: 36_000,
    },
    {
      name: 'Billing Job',
      app_type: 'non_interactive',
      is_first_party: true,
      callbacks: [],
      allowed_logout_urls: [],
      web_origins: [],
      allowed_origins: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      refresh_token: { ...m2mRefreshToken, policies: [] },
      id_token_lifetime: 36_000,
    },
  ],
  clientGrants: [
    { client_id: 'Orders Worker', audience: BILLING, scope: ['read:invoices'] },
    // Referenced by the pinned client_id, normalized to the client's name; scopes sorted and de-duplicated.
    { client_id: 'Orders Worker', audience: 'inventory', scope: ['read:stock', 'reserve:stock'] },
    // allow_all_scopes expanded to the API's scopes.
    { client_id: 'Billing Job', audience: ORDERS, scope: ['read:orders', 'write:orders'] },
  ],
  roles: [
    {
      name: 'Customer',
      description: 'Places orders',
      permissions: [{ permission_name: 'read:orders', resource_server_identifier: ORDERS }],
    },
    {
      name: 'Clerk',
      permissions: [
        { permission_name: 'read:orders', resource_server_identifier: ORDERS },
        { permission_name: 'write:orders', resource_server_identifier: ORDERS },
      ],
    },
  ],
  users: [
    {
      email: 'alice@example.com',
      password: ENV.ALICE_PASSWORD,
      name: 'Alice Liddell',
      email_verified: true,
      roles: ['Customer'],
      permissions: [],
      app_metadata: { plan: 'gold' },
      user_metadata: {},
    },
    {
      email: 'bob@example.com',
      password: ENV.BOB_PASSWORD,
      user_id: 'auth0|bob',
      email_verified: false,
      roles: ['Clerk', 'Customer'],
      permissions: [{ permission_name: 'read:invoices', resource_server_identifier: BILLING }],
      app_metadata: {},
      user_metadata: {},
    },
  ],
  actions: [],
  triggers: {},
  warnings: [
    'Auth0 fields accepted but not emulated (they change nothing here): resourceServers[].token_lifetime_for_web (authmesh issues no access token from /authorize; token_lifetime applies), clients[].oidc_conformant',
  ],
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
};

describe('loadTenantConfigFile', () => {
  it('normalizes a complete tenant with every Auth0 default applied', async () => {
    const config = await loadTenantConfigFile(FULL, ENV);
    expect(config).toEqual(expected);
  });

  it('returns a deep-frozen object', async () => {
    const config = await loadTenantConfigFile(FULL, ENV);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.clients[0]?.refresh_token.policies[0]?.scope)).toBe(true);
    expect(Object.isFrozen(config.users[0]?.app_metadata)).toBe(true);
    expect(() => {
      (config.warnings as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('reports a missing file with ERR_CONFIG_NOT_FOUND, its path and a fix', async () => {
    const missing = fileURLToPath(new URL('./fixtures/does-not-exist.yaml', import.meta.url));
    const error = await loadTenantConfigFile(missing, {}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AuthmeshError);
    expect((error as AuthmeshError).code).toBe('ERR_CONFIG_NOT_FOUND');
    expect((error as AuthmeshError).message).toContain(missing);
    expect((error as AuthmeshError).message).toContain('fix:');
  });
});

describe('parseTenantConfig', () => {
  it('accepts an empty file as an empty tenant with defaults', () => {
    const config = parseTenantConfig('', '<inline>');
    expect(config).toEqual({
      source: '<inline>',
      tenant: { allowed_logout_urls: [], session_lifetime: 720, idle_session_lifetime: 72 },
      resourceServers: [],
      clients: [],
      clientGrants: [],
      roles: [],
      users: [],
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
    });
  });

  it('applies per-app-type defaults to clients', () => {
    const config = parseTenantConfig(
      [
        'clients:',
        '  - name: Web',
        '    app_type: regular_web',
        '    callbacks: [https://web.test/cb]',
        '  - name: Mobile',
        '    app_type: native',
        '    callbacks: [com.acme.app://callback]',
      ].join('\n'),
      '<inline>',
    );
    const [web, mobile] = config.clients;
    expect(web).toMatchObject({
      grant_types: ['authorization_code', 'implicit', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_post',
      refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring', infinite_token_lifetime: true },
      id_token_lifetime: 36_000,
    });
    expect(mobile).toMatchObject({
      callbacks: ['com.acme.app://callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    });
  });

  it('accepts an Auth0 export: read-only and unimplemented fields become warnings', () => {
    const config = parseTenantConfig(
      [
        'tenant:',
        '  friendly_name: ""',
        '  default_audience: ""',
        '  enabled_locales: [en]',
        '  flags: { enable_sso: true }',
        'resourceServers:',
        '  - id: 666848cd684d1a66674afe59',
        '    name: API',
        '    identifier: https://api.test/',
        '    signing_secret: shh',
        '    token_lifetime_for_web: 7200',
        'clients:',
        '  - name: Legacy Web',
        '    app_type: regular_web',
        '    global: false',
        '    tenant: acme',
        '    callback_url_template: false',
        '    cross_origin_auth: false',
        '    signing_keys: [{ cert: abc }]',
        '    custom_login_page_on: true',
        '    is_token_endpoint_ip_header_trusted: false',
        '    grant_types: [implicit, authorization_code, refresh_token, client_credentials, password]',
        '    callbacks: [https://legacy.test/cb]',
        '    description: null',
        '    jwt_configuration: { alg: RS256, lifetime_in_seconds: 600, secret_encoded: false }',
        'clientGrants:',
        '  - id: cgr_0123456789abcdef',
        '    client_id: Legacy Web',
        '    audience: https://api.test/',
        '    scope: []',
        '    subject_type: client',
        '    allow_any_organization: false',
        'roles:',
        '  - id: rol_RKa4dJvXwO4gSDpa',
        '    name: Empty',
        'emailTemplates: []',
      ].join('\n'),
      '<inline>',
    );
    expect(config.tenant).toEqual({ allowed_logout_urls: [], session_lifetime: 720, idle_session_lifetime: 72 });
    expect(config.clients[0]?.grant_types).toEqual([
      'implicit',
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'password',
    ]);
    expect(config.clients[0]?.id_token_lifetime).toBe(600);
    expect(config.clientGrants).toEqual([{ client_id: 'Legacy Web', audience: 'https://api.test/', scope: [] }]);
    // One line per section that is not emulated, one line for every ignored field together.
    expect(config.warnings).toEqual([
      'emailTemplates: 0 entries, not emulated',
      'Auth0 fields accepted but not emulated (they change nothing here): tenant.enabled_locales, tenant.flags, resourceServers[].id, resourceServers[].signing_secret (it is only used with HS256 and authmesh signs with RS256), resourceServers[].token_lifetime_for_web (authmesh issues no access token from /authorize; token_lifetime applies), clients[].global, clients[].tenant, clients[].callback_url_template, clients[].cross_origin_auth, clients[].signing_keys, clients[].custom_login_page_on, clients[].is_token_endpoint_ip_header_trusted, clients[].jwt_configuration.secret_encoded, clientGrants[].id, clientGrants[].allow_any_organization, roles[].id',
    ]);
  });

  it('keeps Management API grants as they are (the tenant checks them against its issuer)', () => {
    const config = parseTenantConfig(
      [
        'clients:',
        '  - { name: Ops, app_type: non_interactive }',
        'clientGrants:',
        '  - client_id: Ops',
        '    audience: https://acme.localhost/api/v2/',
        '    scope: [read:users, create:users]',
      ].join('\n'),
      '<inline>',
    );
    expect(config.clientGrants).toEqual([
      { client_id: 'Ops', audience: 'https://acme.localhost/api/v2/', scope: ['create:users', 'read:users'] },
    ]);
  });
});
