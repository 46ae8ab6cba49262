import { fixtureClientCredentials, fixtureConfig, postJson as post } from '@authmesh/testkit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';

/*
 * A database connection with `requires_username`: sign-up needs a username, and users log in with either
 * their username or their e-mail (Auth0's behaviour for such connections).
 */

const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const BACK_OFFICE = fixtureClientCredentials('Back Office');
const DB = 'Staff-Directory';

function config(): TenantConfig {
  const base = fixtureConfig();
  return {
    ...base,
    clients: base.clients.map((c) =>
      c.name === 'Back Office' ? { ...c, grant_types: [...c.grant_types, REALM] as typeof c.grant_types } : c,
    ),
    connections: [
      {
        name: DB,
        strategy: 'auth0',
        options: { requires_username: true, passwordPolicy: 'low' },
        database: {
          disable_signup: false,
          requires_username: true,
          passwordPolicy: 'low',
          brute_force_protection: true,
        },
      },
    ],
  };
}

describe('requires_username', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({ config: config(), port: 0, dataDir: null });
  });
  afterAll(() => tenant.close());

  it('sign-up without a username is refused; with one, the username is part of the answer', async () => {
    const base = { client_id: BACK_OFFICE.id, connection: DB, email: 'mia@example.test', password: 'secret1' };
    const missing = await post(tenant, 'dbconnections/signup', base);
    expect(missing.status).toBe(400);
    expect(missing.json.description).toBe('Missing required parameter: username');
    const created = await post(tenant, 'dbconnections/signup', { ...base, username: 'mia' });
    expect(created.status).toBe(200);
    expect(created.json.username).toBe('mia');
    const taken = await post(tenant, 'dbconnections/signup', { ...base, email: 'mia2@example.test', username: 'MIA' });
    expect(taken.status).toBe(400);
    expect(taken.json.code).toBe('username_exists');
  });

  it('the password-realm grant accepts the username or the e-mail', async () => {
    for (const username of ['mia', 'mia@example.test']) {
      const reply = await post(tenant, 'oauth/token', {
        grant_type: REALM,
        realm: DB,
        username,
        password: 'secret1',
        scope: 'openid email',
        client_id: BACK_OFFICE.id,
        client_secret: BACK_OFFICE.secret,
      });
      expect(reply.status).toBe(200);
      expect(decodeJwt(String(reply.json.id_token)).email).toBe('mia@example.test');
    }
  });
});
