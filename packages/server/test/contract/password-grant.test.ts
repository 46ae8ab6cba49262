import { fixtureConfig } from '@authmesh/testkit';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';

/*
 * The Resource Owner Password grants (`password` with the tenant's Default Directory, and Auth0's
 * `password-realm` with `realm`), as Cypress/Playwright recipes for Auth0 call them, and what Auth0 refuses.
 */

const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const CATALOG = 'https://catalog.example.test';
const BACK_OFFICE = { id: 'backoffice-0001', secret: 'backoffice-secret-0123456789abcdef0123456789ab' };
const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' };

function config(overrides: Partial<TenantConfig['tenant']> = {}): TenantConfig {
  const base = fixtureConfig();
  return {
    ...base,
    tenant: { ...base.tenant, ...overrides },
    clients: base.clients.map((c) =>
      c.name === 'Back Office'
        ? { ...c, grant_types: ['authorization_code', 'refresh_token', 'password', REALM] as typeof c.grant_types }
        : c,
    ),
    connections: [
      ...base.connections,
      {
        name: 'Partners',
        strategy: 'auth0',
        enabled_clients: ['Shop SPA'],
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
}

async function token(tenant: Tenant, body: Record<string, string>) {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: BACK_OFFICE.id, client_secret: BACK_OFFICE.secret, ...body }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('password grants with a Default Directory', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({
      config: config({ default_directory: 'Username-Password-Authentication' }),
      port: 0,
      dataDir: null,
    });
  });
  afterAll(() => tenant.close());

  it('password: issues an API token, an ID token and (with offline_access) a refresh token', async () => {
    const reply = await token(tenant, {
      grant_type: 'password',
      ...ALICE,
      audience: CATALOG,
      scope: 'openid profile email offline_access read:catalog',
    });
    expect(reply.status).toBe(200);
    expect(reply.json.token_type).toBe('Bearer');
    expect(typeof reply.json.id_token).toBe('string');
    expect(typeof reply.json.refresh_token).toBe('string');
    const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', tenant.issuer));
    const { payload } = await jwtVerify(String(reply.json.access_token), jwks, { issuer: tenant.issuer });
    expect(payload.aud).toEqual([CATALOG, `${tenant.issuer}userinfo`]);
    expect(String(payload.sub)).toMatch(/^auth0\|/);
    expect(payload.azp).toBe(BACK_OFFICE.id);
    expect(String(payload.scope).split(' ')).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'read:catalog']),
    );
    const id = decodeJwt(String(reply.json.id_token));
    expect(id.email).toBe(ALICE.username);
    expect(id.aud).toBe(BACK_OFFICE.id);

    const refreshed = await token(tenant, {
      grant_type: 'refresh_token',
      refresh_token: String(reply.json.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.json.access_token).toBe('string');
  });

  it('password without scope grants what the user holds on the audience (Auth0: every scope, RBAC applied)', async () => {
    const reply = await token(tenant, { grant_type: 'password', ...ALICE, audience: CATALOG });
    expect(reply.status).toBe(200);
    const payload = decodeJwt(String(reply.json.access_token));
    // Alice's role holds read:catalog only, and the Catalog API enforces RBAC.
    expect(payload.scope).toBe('read:catalog');
    expect(reply.json.id_token).toBeUndefined();
  });

  it('password-realm authenticates against the named connection', async () => {
    const reply = await token(tenant, {
      grant_type: REALM,
      realm: 'Username-Password-Authentication',
      ...ALICE,
      scope: 'openid',
    });
    expect(reply.status).toBe(200);
    expect(decodeJwt(String(reply.json.id_token)).sub).toMatch(/^auth0\|/);
  });

  it('a wrong password or an unknown user: 403 invalid_grant "Wrong email or password."', async () => {
    const wrong = await token(tenant, { grant_type: 'password', username: ALICE.username, password: 'nope-nope-nope' });
    const unknown = await token(tenant, { grant_type: 'password', username: 'nobody@example.test', password: 'x' });
    for (const reply of [wrong, unknown]) {
      expect(reply.status).toBe(403);
      expect(reply.json).toEqual({ error: 'invalid_grant', error_description: 'Wrong email or password.' });
    }
  });

  it('password-realm without realm, or with a connection not enabled for the client: 400 invalid_request', async () => {
    const missing = await token(tenant, { grant_type: REALM, ...ALICE });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('invalid_request');
    const disabled = await token(tenant, { grant_type: REALM, realm: 'Partners', ...ALICE });
    expect(disabled.status).toBe(400);
    expect(disabled.json).toEqual({ error: 'invalid_request', error_description: 'the connection is not enabled' });
  });

  it('a client without the grant: 403 unauthorized_client in Auth0 words', async () => {
    const response = await fetch(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'spa-client-0001', ...ALICE }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: 'unauthorized_client',
      error_description: "Grant type 'password' not allowed for the client.",
    });
  });

  it('brute-force protection: the 11th failure for (user, IP) is refused with 429 too_many_attempts', async () => {
    const victim = { username: 'bob@example.test', password: 'wrong password' };
    for (let i = 0; i < 10; i++) {
      expect((await token(tenant, { grant_type: 'password', ...victim })).status).toBe(403);
    }
    const blocked = await token(tenant, {
      grant_type: 'password',
      username: victim.username,
      password: 'staff password 1234',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error).toBe('too_many_attempts');
  });
});

describe('password grant without a Default Directory', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({ config: config(), port: 0, dataDir: null });
  });
  afterAll(() => tenant.close());

  it('is refused as Auth0 refuses it: server_error, no default connection', async () => {
    const reply = await token(tenant, { grant_type: 'password', ...ALICE });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({
      error: 'server_error',
      error_description: 'Authorization server not configured with default connection.',
    });
  });
});
