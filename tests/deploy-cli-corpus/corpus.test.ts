import { join } from 'node:path';
import { createTenant, loadKeywordMappings, loadTenantConfigFile, type Tenant } from '@authmesh/server';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The Deploy CLI corpus: files written the way real exports in public repositories and the Deploy CLI's
 * own examples are (see the comment at the top of each). Each one loads, the tenant starts from it, and
 * one of its client grants serves a client-credentials token with the granted audience and scopes.
 */

const HERE = import.meta.dirname;

/** The tenant's own Management API, whatever domain the file names. */
const MANAGEMENT = Symbol('this tenant’s Management API');

interface CorpusCase {
  /** Under tests/deploy-cli-corpus/: a YAML file or a directory. */
  path: string;
  /** A Deploy CLI config.json whose AUTH0_KEYWORD_REPLACE_MAPPINGS fill the keywords. */
  keywords?: string;
  /** The environment the keywords read (the test never reads the real one). */
  env?: Record<string, string>;
  /** The client (by name) whose grant is exercised. */
  client: string;
  audience: string | typeof MANAGEMENT;
  scope: string[];
  /** Warnings the file must produce (one line each). */
  warnings?: RegExp[];
}

const cases: CorpusCase[] = [
  {
    path: 'yaml/01-fresh-tenant-default-app.yaml',
    client: 'API Explorer Application',
    audience: MANAGEMENT,
    scope: [
      'create:client_grants',
      'read:client_grants',
      'read:clients',
      'read:resource_servers',
      'read:roles',
      'read:users',
      'update:users',
    ],
    warnings: [
      /clientGrants\[0\]\.audience \(line \d+\): `https:\/\/dev-q7xk2m4a\.us\.auth0\.com\/api\/v2\/` is taken as this tenant's Management API/,
      /^guardianFactors: 3 entries, not emulated$/,
      /^attackProtection: 2 settings, not emulated$/,
    ],
  },
  {
    path: 'yaml/02-extension-clients.yaml',
    env: { AUTHZ_URL: 'https://acme.us12.webtask.run/adf6e2f2b84784b57522e3b19dfc9201/api' },
    client: 'auth0-deploy-cli-extension',
    audience: MANAGEMENT,
    scope: [
      'create:client_grants',
      'read:client_grants',
      'read:clients',
      'read:resource_servers',
      'read:roles',
      'read:tenant_settings',
      'update:client_grants',
      'update:clients',
    ],
    warnings: [/^rules: 1 entry, not emulated$/, /^rulesConfigs: 1 entry, not emulated$/],
  },
  {
    path: 'yaml/02-extension-clients.yaml',
    env: { AUTHZ_URL: 'https://acme.us12.webtask.run/adf6e2f2b84784b57522e3b19dfc9201/api' },
    client: 'auth0-authz',
    audience: 'urn:auth0-authz-api',
    scope: ['read:groups', 'read:users'],
  },
  {
    path: 'yaml/03-list-keywords.yaml',
    keywords: 'yaml/03-list-keywords.config.json',
    client: 'Orders Worker (dev)',
    audience: 'https://api.acme.test/orders',
    scope: ['read:orders', 'write:orders'],
  },
  {
    path: 'yaml/04-env-json-keywords.yaml',
    env: {
      PORTAL_CALLBACKS: '["https://admin.acme.test/callback", "http://localhost:8080/callback"]',
      PORTAL_LOGOUT_URLS: '["https://admin.acme.test"]',
      BASE_DOMAIN: 'acme.test',
      JOB_DESCRIPTION: 'Nightly: exports reports',
      REPORTING_AUDIENCE: 'https://reports.acme.test',
      REPORTING_SCOPES: '["read:reports", "export:reports"]',
    },
    client: 'Reporting Job',
    audience: 'https://reports.acme.test',
    scope: ['export:reports', 'read:reports'],
  },
  {
    path: 'yaml/05-newer-sections.yaml',
    env: { EVENT_STREAM_TOKEN: 'evt-token', SMTP_PASSWORD: 'smtp-password' },
    client: 'Acme Automation',
    audience: 'https://api.acme.test/',
    scope: ['read:catalog', 'write:catalog'],
    warnings: [
      /^actionModules: 1 entry, not emulated$/,
      /^tokenExchangeProfiles: 1 entry, not emulated$/,
      /^networkACLs: 1 entry, not emulated$/,
      /^eventStreams: 1 entry, not emulated$/,
      /^riskAssessment: 1 setting, not emulated$/,
      /^supplementalSignals: 1 setting, not emulated$/,
      /^emailTemplates: 2 entries, not emulated$/,
    ],
  },
  {
    path: 'yaml/06-wildcard-urls.yaml',
    client: 'Preview Deployer',
    audience: 'https://preview-api.acme.test',
    scope: ['deploy:preview'],
  },
  {
    path: 'yaml/07-auth0-app-types.yaml',
    client: 'Ledger Sync',
    audience: 'https://ledger.acme.test/api/v1',
    scope: ['post:ledger', 'read:ledger'],
  },
  {
    path: 'yaml/08-third-party-and-legacy-settings.yaml',
    client: 'Partner Sync',
    audience: 'https://partners.acme.test',
    scope: ['read:partners'],
    warnings: [
      /refresh_token\.rotation_type \(line \d+\): an SPA with non-rotating refresh tokens/,
      /jwt_configuration\.alg \(line \d+\): .*`HS256` is not emulated/,
      /clientGrants\[1\]\.default_for \(line \d+\): default grants for third-party clients/,
    ],
  },
  {
    path: 'yaml/09-other-tenant-management-api.yaml',
    client: 'User Sync Service',
    audience: MANAGEMENT,
    scope: [
      'create:role_members',
      'create:users',
      'read:roles',
      'read:users',
      'read:users_app_metadata',
      'update:users',
      'update:users_app_metadata',
    ],
  },
  {
    path: 'yaml/09-other-tenant-management-api.yaml',
    client: 'Support Tool',
    audience: MANAGEMENT,
    scope: ['read:clients', 'read:users'],
  },
  {
    path: 'yaml/10-export-with-nulls.yaml',
    client: 'Billing Worker',
    audience: 'https://billing.acme.test',
    scope: ['read:invoices'],
  },
  {
    path: 'yaml/11-generic-client-credentials.yaml',
    client: 'Inventory Importer',
    audience: 'inventory',
    scope: ['import:items'],
  },
  {
    path: 'yaml/12-grants-authmesh-skips.yaml',
    client: 'Accounts Batch',
    audience: 'https://accounts.acme.test',
    scope: ['read:accounts', 'write:accounts'],
    warnings: [
      /clientGrants\[0\]\.client_id \(line \d+\): client `Accounts Web` cannot use this user-delegated grant/,
      /clientGrants\[1\]\.client_id \(line \d+\): client `Accounts Web` cannot use this grant until client_credentials/,
    ],
  },
  {
    path: 'yaml/13-databases-and-connections.yaml',
    client: 'Members Backend',
    audience: 'https://members.acme.test',
    scope: ['read:members'],
  },
  {
    path: 'directory/14-basic',
    client: 'Catalog Indexer',
    audience: 'https://catalog.acme.test/api',
    scope: ['read:products', 'write:products'],
  },
  {
    path: 'directory/15-full-export',
    keywords: 'directory/15-full-export.config.json',
    client: 'Shop Fulfilment',
    audience: 'https://shop.acme.test/api',
    scope: ['read:orders', 'ship:orders'],
    warnings: [/^rules: 1 entry, not emulated$/, /^emailTemplates: 1 entry, not emulated$/],
  },
  {
    path: 'directory/16-management-grant',
    env: {
      AUTH0_DOMAIN: 'acme-prod.us.auth0.com',
      MANAGEMENT_SCOPES: '["read:clients", "update:clients", "read:resource_servers"]',
    },
    client: 'Terraform Provider',
    audience: MANAGEMENT,
    scope: ['read:clients', 'read:resource_servers', 'update:clients'],
    warnings: [
      /grants\/Terraform Provider-Auth0 Management API\.json: audience \(line 3\): .* is taken as this tenant's Management API/,
    ],
  },
  {
    path: 'yaml/17-actions-b2b-tenant.yaml',
    env: { CLAIM_NAMESPACE: 'https://partners.acme.test' },
    client: 'Partner Sync (Globex)',
    audience: 'https://partners.acme.test/api',
    scope: ['read:shipments', 'write:shipments'],
    // Its client_metadata is loaded (the actions' event.client.metadata), not a warning any more.
  },
  {
    path: 'directory/18-actions-export',
    env: { CLAIM_NAMESPACE: 'https://billing.acme.test' },
    client: 'Billing Worker',
    audience: 'https://billing.acme.test',
    scope: ['read:invoices'],
  },
];

let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('Deploy CLI corpus', () => {
  it('has at least 15 files, YAML and directories', () => {
    const paths = new Set(cases.map((c) => c.path));
    expect(paths.size).toBeGreaterThanOrEqual(15);
    expect([...paths].some((p) => p.startsWith('directory/'))).toBe(true);
  });

  it.each(cases)('$path starts and serves $client a token', async (c) => {
    const mappings = c.keywords === undefined ? {} : await loadKeywordMappings(join(HERE, c.keywords));
    const config = await loadTenantConfigFile(join(HERE, c.path), c.env ?? {}, { mappings });
    for (const pattern of c.warnings ?? []) {
      expect(
        config.warnings.some((w) => pattern.test(w)),
        `a warning matching ${pattern}`,
      ).toBe(true);
    }
    tenant = await createTenant({ config, port: 0, dataDir: null });
    const client = tenant.clients.find((x) => x.name === c.client);
    expect(client?.client_secret, `${c.client} is confidential`).toBeDefined();
    const audience = c.audience === MANAGEMENT ? `${tenant.issuer}api/v2/` : c.audience;

    const response = await fetch(`${tenant.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: client?.client_id,
        client_secret: client?.client_secret,
        audience,
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.token_type).toBe('Bearer');
    const claims = jwtPayload(String(body.access_token));
    expect(claims.aud).toBe(audience);
    expect(claims.iss).toBe(tenant.issuer);
    expect(String(claims.scope).split(' ').sort()).toEqual(c.scope);
  });
});

function jwtPayload(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
