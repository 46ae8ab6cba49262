import { fixtureConfig } from '@authmesh/testkit';
import { AuthenticationClient } from 'auth0';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';

/**
 * node-auth0 v5 hard-codes `https://{domain}`. Its documented `fetch` option is the one seam; this test
 * uses it to speak plain http to the local tenant, exactly as the README tells users to.
 */
describe('node auth0 v5 AuthenticationClient against the tenant', () => {
  let tenant: Tenant;
  let domain: string;

  beforeAll(async () => {
    tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
    domain = new URL(tenant.issuer).host;
  });
  afterAll(() => tenant?.close());

  const httpFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    return fetch(url.replace(/^https:\/\//, 'http://'), init);
  };

  it('gets a client-credentials token with clientCredentialsGrant', async () => {
    const auth = new AuthenticationClient({
      domain,
      clientId: 'orders-m2m-0001',
      clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef',
      fetch: httpFetch,
    });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: 'https://catalog.example.test' });
    expect(data.token_type).toBe('Bearer');
    expect(data.expires_in).toBe(3600);
    const claims = decodeJwt(data.access_token);
    expect(claims).toMatchObject({
      iss: tenant.issuer,
      sub: 'orders-m2m-0001@clients',
      aud: 'https://catalog.example.test',
      azp: 'orders-m2m-0001',
      scope: 'read:catalog',
      gty: 'client-credentials',
    });
  });

  it('surfaces Auth0-shaped errors: 403 access_denied for an audience without a client grant', async () => {
    const auth = new AuthenticationClient({
      domain,
      clientId: 'orders-m2m-0001',
      clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef',
      fetch: httpFetch,
    });
    const error = await auth.oauth.clientCredentialsGrant({ audience: 'orders-api' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 403, error: 'access_denied' });
  });
});
