import { fixtureConfig } from '@authmesh/testkit';
import { AuthenticationClient } from 'auth0';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { action, storeActions } from './helpers.ts';

/**
 * The official node `auth0` AuthenticationClient, unchanged, against a tenant running a credentials-exchange
 * action: it receives the action's claim, and a denied client gets the error Auth0 would send. node-auth0
 * hard-codes https; its documented `fetch` option speaks http to the local tenant.
 */
describe('node auth0 clientCredentialsGrant with a credentials-exchange action', () => {
  let storage: Storage;
  let tenant: Tenant;
  const httpFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    return fetch(url.replace(/^https:\/\//, 'http://'), init);
  };

  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:' });
    await storeActions(
      storage,
      [
        action(
          'gatekeeper',
          `exports.onExecuteCredentialsExchange = async (event, api) => {
             if (event.client.name === 'Inventory Service') return api.access.deny('access_denied', 'Inventory is paused');
             api.accessToken.setCustomClaim('https://shop.example.test/service', event.client.name);
           };`,
          { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] },
        ),
      ],
      { 'credentials-exchange': ['gatekeeper'] },
    );
    tenant = await createTenant({ config: fixtureConfig(), port: 0, storage });
  });
  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  const client = (clientId: string, clientSecret: string) =>
    new AuthenticationClient({ domain: new URL(tenant.issuer).host, clientId, clientSecret, fetch: httpFetch });

  it('gets a token carrying the action claim', async () => {
    const { data } = await client(
      'orders-m2m-0001',
      'orders-secret-0123456789abcdef0123456789abcdef',
    ).oauth.clientCredentialsGrant({ audience: 'https://catalog.example.test' });
    expect(decodeJwt(data.access_token)['https://shop.example.test/service']).toBe('Orders Service');
  });

  it('surfaces the deny as Auth0 does: 403 access_denied with the reason', async () => {
    const inventory = tenant.clients.find((c) => c.name === 'Inventory Service');
    const error = await client(inventory?.client_id ?? '', inventory?.client_secret ?? '')
      .oauth.clientCredentialsGrant({ audience: 'https://catalog.example.test' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 403, error: 'access_denied', error_description: 'Inventory is paused' });
  });
});
