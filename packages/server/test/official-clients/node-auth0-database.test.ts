import { fixtureConfig } from '@authmesh/testkit';
import { AuthenticationClient } from 'auth0';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';

/**
 * node-auth0 v5's Authentication API for database connections, unchanged: `database.signUp`,
 * `database.changePassword`, `oauth.passwordGrant` (with and without `realm`). As in node-auth0.test.ts,
 * its documented `fetch` option speaks plain http to the local tenant. The SDK validates ID tokens against
 * `https://{domain}/` and fetches its keys over https, which a plain-http tenant cannot serve, so these calls
 * ask for no `openid` (ID tokens of the password grant: contract/password-grant.test.ts).
 */
describe('node auth0 v5 database and password-grant calls against the tenant', () => {
  const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
  const BACK_OFFICE = { clientId: 'backoffice-0001', clientSecret: 'backoffice-secret-0123456789abcdef0123456789ab' };
  let tenant: Tenant;
  let auth: AuthenticationClient;

  const httpFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    return fetch(url.replace(/^https:\/\//, 'http://'), init);
  };

  beforeAll(async () => {
    const base = fixtureConfig();
    tenant = await createTenant({
      config: {
        ...base,
        tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
        clients: base.clients.map((c) =>
          c.name === 'Back Office'
            ? { ...c, grant_types: [...c.grant_types, 'password', REALM] as typeof c.grant_types }
            : c,
        ),
      },
      port: 0,
      dataDir: null,
    });
    auth = new AuthenticationClient({ domain: new URL(tenant.issuer).host, ...BACK_OFFICE, fetch: httpFetch });
  });
  afterAll(() => tenant?.close());

  it('signs a user up, who then gets tokens with passwordGrant', async () => {
    const { data: user } = await auth.database.signUp({
      email: 'nina@example.test',
      password: 'Strong-Enough-1',
      connection: 'Username-Password-Authentication',
    });
    expect(user).toMatchObject({ email: 'nina@example.test', email_verified: false });

    const { data } = await auth.oauth.passwordGrant({
      username: 'nina@example.test',
      password: 'Strong-Enough-1',
      scope: 'read:orders',
      audience: 'orders-api',
    });
    expect(data.token_type).toBe('Bearer');
    expect(data.id_token).toBeUndefined();
    expect(decodeJwt(data.access_token)).toMatchObject({ aud: 'orders-api', scope: 'read:orders' });
    expect(String(decodeJwt(data.access_token).sub)).toMatch(/^auth0\|/);

    const realm = await auth.oauth.passwordGrant({
      username: 'nina@example.test',
      password: 'Strong-Enough-1',
      realm: 'Username-Password-Authentication',
    });
    expect(realm.data.access_token).toBeTruthy();
  });

  it('surfaces the refusals as Auth0 errors: weak password at sign-up, wrong password at the token endpoint', async () => {
    const weak = await auth.database
      .signUp({ email: 'oscar@example.test', password: 'weak', connection: 'Username-Password-Authentication' })
      .catch((e: unknown) => e);
    expect(weak).toMatchObject({ statusCode: 400 });
    const wrong = await auth.oauth
      .passwordGrant({ username: 'alice@example.test', password: 'not it' })
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({
      statusCode: 403,
      error: 'invalid_grant',
      error_description: 'Wrong email or password.',
    });
  });

  it('changePassword answers with Auth0 text, and the e-mail lands in the outbox', async () => {
    const { data } = await auth.database.changePassword({
      email: 'alice@example.test',
      connection: 'Username-Password-Authentication',
    });
    expect(String(data)).toContain("We've just sent you an email to reset your password.");
    const outbox = await (await fetch(new URL('u/outbox', tenant.issuer))).text();
    expect(outbox).toContain('alice@example.test');
  });
});
