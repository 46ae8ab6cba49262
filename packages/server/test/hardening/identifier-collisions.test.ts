import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTenantConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { createTenant, type Tenant } from '../../src/index.ts';
import { expectConfigError, yaml } from '../config/helpers.ts';
import {
  ADMIN,
  bind,
  errorBody,
  freePort,
  managementConfig,
  managementToken,
  startManagementTenant,
} from '../management/support.ts';

/**
 * Identifiers that would let one kind of token pass for another are refused: an API identified as the
 * tenant's /userinfo or Management API, or as a client id (its ID tokens carry that `aud`), and a user
 * id ending in `@clients` (the subject of M2M tokens). Plain-http callback and logout URLs are kept for
 * loopback hosts only: a warning in tenant.yaml, a 400 over /api/v2.
 */
describe('tenant.yaml', () => {
  it('an API identifier equal to a pinned client_id is refused, naming both', () => {
    const error = expectConfigError(
      yaml(
        'resourceServers:',
        '  - name: Orders',
        '    identifier: orders-worker-01',
        'clients:',
        '  - name: Worker',
        '    app_type: non_interactive',
        '    client_id: orders-worker-01',
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(['resourceServers[0].identifier (line 3)']);
    expect(error.issues[0]?.message).toMatch(/also a client_id.*clients\[0\]\.client_id \(line 7\)/);
  });

  it('a user_id ending in @clients is refused', () => {
    const error = expectConfigError(
      yaml(
        'users:',
        '  - email: a@example.com',
        '    password: long-enough-password',
        '    user_id: auth0|svc@clients',
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(['users[0].user_id (line 4)']);
    expect(error.issues[0]?.message).toMatch(/@clients/);
  });

  it('user metadata over the limits is refused with its path', () => {
    const error = expectConfigError(
      yaml(
        'users:',
        '  - email: a@example.com',
        '    password: long-enough-password',
        `    user_metadata: { notes: "${'n'.repeat(17 * 1024)}" }`,
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(['users[0].user_metadata (line 4)']);
  });

  it('plain-http callbacks and logout URLs: loopback hosts are fine, others load with a warning', () => {
    const config = parseTenantConfig(
      yaml(
        'tenant:',
        '  allowed_logout_urls: [http://intranet.example/bye, http://127.0.0.1:3000/bye]',
        'clients:',
        '  - name: Web',
        '    app_type: regular_web',
        '    callbacks: [http://localhost:3000/cb, "http://[::1]:3000/cb", http://127.0.0.2/cb, http://lan-box:8080/cb]',
        '    allowed_logout_urls: [https://web.example/bye]',
      ),
      'tenant.yaml',
    );
    expect(config.clients[0]?.callbacks).toHaveLength(4);
    expect(config.warnings).toHaveLength(2);
    expect(config.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^clients\[0\]\.callbacks\[3\] \(line 6\): `http:\/\/lan-box:8080\/cb` uses plain http/),
        expect.stringMatching(/^tenant\.allowed_logout_urls\[0\] \(line 2\): `http:\/\/intranet\.example\/bye`/),
      ]),
    );
  });
});

describe('tenant start (the issuer is known)', () => {
  it('an API identified as <issuer>userinfo → ConfigError naming the API', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    const base = fixtureConfig();
    const template = base.resourceServers[0]!;
    const config = fixtureConfig({
      resourceServers: [...base.resourceServers, { ...template, name: 'Shadow', identifier: `${issuer}userinfo` }],
    });
    const error = await createTenant({ config, port, issuer, dataDir: null }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
    expect((error as ConfigError).issues).toEqual([
      expect.objectContaining({
        path: `resourceServers[${base.resourceServers.length}].identifier`,
        message: expect.stringMatching(/\/userinfo endpoint/),
      }),
    ]);
  });
});

describe('/api/v2', () => {
  let tenant: Tenant;
  let admin: ReturnType<typeof bind>;
  beforeAll(async () => {
    // One client seeded from a tenant file with a plain-http LAN callback (kept there with a warning).
    const port = await freePort();
    const base = managementConfig(`http://localhost:${port}/`);
    const spa = base.clients.find((c) => c.app_type === 'spa')!;
    const lan = { ...spa, name: 'LAN app', client_id: 'lan-app-0001', callbacks: ['http://lan-box:5173/callback'] };
    tenant = await startManagementTenant({ port, overrides: { clients: [...base.clients, lan] } });
    admin = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
  });
  afterAll(() => tenant?.close());

  it('POST /resource-servers refuses <issuer>userinfo, <issuer>api/v2/ and a client id with 400 invalid_body', async () => {
    const clientId = tenant.clients[0]?.client_id ?? '';
    for (const identifier of [`${tenant.issuer}userinfo`, `${tenant.issuer}api/v2/`, clientId]) {
      const reply = await admin('POST', '/resource-servers', { body: { identifier, name: `Clash ${identifier}` } });
      expect(reply.status, identifier).toBe(400);
      expect(reply.json, identifier).toEqual(errorBody(400, /on property identifier/, 'invalid_body'));
    }
    const listed = await admin('GET', '/resource-servers');
    const identifiers = (listed.json as { identifier: string }[]).map((api) => api.identifier);
    expect(identifiers).not.toContain(`${tenant.issuer}userinfo`);
    expect(identifiers).not.toContain(clientId);
  });

  it('POST /users refuses a user_id ending in @clients', async () => {
    const reply = await admin('POST', '/users', {
      body: {
        connection: 'Username-Password-Authentication',
        email: 'svc@example.test',
        password: 'long enough password',
        user_id: 'auth0|svc@clients',
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(errorBody(400, /@clients.*on property user_id/, 'invalid_body'));
  });

  it('clients: plain-http callbacks and logout URLs → 400 unless loopback', async () => {
    const refused = [
      { callbacks: ['http://app.example.com/callback'] },
      { callbacks: ['https://app.example.com/callback'], allowed_logout_urls: ['http://app.example.com/bye'] },
    ];
    for (const urls of refused) {
      const reply = await admin('POST', '/clients', { body: { name: 'Plain http', app_type: 'spa', ...urls } });
      expect(reply.status, JSON.stringify(urls)).toBe(400);
      expect(reply.json).toEqual(errorBody(400, /uses plain http/, 'invalid_body'));
    }
    const loopback = await admin('POST', '/clients', {
      body: {
        name: 'Loopback',
        app_type: 'spa',
        callbacks: ['http://localhost:5173/callback', 'http://127.0.0.1:5173/callback', 'http://[::1]:5173/callback'],
      },
    });
    expect(loopback.status).toBe(201);
  });

  it('a seeded plain-http callback survives PATCHes that leave the URLs alone; new ones are refused', async () => {
    const renamed = await admin('PATCH', '/clients/lan-app-0001', { body: { description: 'on the LAN' } });
    expect(renamed.status).toBe(200);
    const more = await admin('PATCH', '/clients/lan-app-0001', {
      body: { callbacks: ['http://lan-box:5173/callback', 'http://lan-box:5173/other'] },
    });
    expect(more.status).toBe(400);
    expect(more.json).toEqual(errorBody(400, /uses plain http.*on property callbacks\[0\]/, 'invalid_body'));
  });
});
