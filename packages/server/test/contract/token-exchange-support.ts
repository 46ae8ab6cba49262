import { customApiClient, fixtureConfig } from '@authmesh/testkit';
import { expect } from 'vitest';
import type { TenantConfig } from '../../src/config/types.ts';

/*
 * The tenant of the On-Behalf-Of token exchange tests: the Orders API's Custom API client may call the
 * Catalog on a user's behalf; the Catalog API's own client may too (so that `act` chains can grow).
 */

export const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const CATALOG = 'https://catalog.example.test';
export const ORDERS = 'orders-api';
export const BACK_OFFICE = { id: 'backoffice-0001', secret: 'backoffice-secret-0123456789abcdef0123456789ab' };
export const ORDERS_M2M = { id: 'orders-m2m-0001', secret: 'orders-secret-0123456789abcdef0123456789abcdef' };
export const ORDERS_API_CLIENT = {
  id: 'orders-api-client-01',
  secret: 'orders-api-secret-0123456789abcdef0123456789ab',
};
export const CATALOG_API_CLIENT = {
  id: 'catalog-api-client-1',
  secret: 'catalog-api-secret-0123456789abcdef012345678',
};
export const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' };
export const BOB = { username: 'bob@example.test', password: 'staff password 1234' };

export function config(): TenantConfig {
  const base = fixtureConfig();
  return {
    ...base,
    clients: [
      ...base.clients.map((c) =>
        c.name === 'Back Office' ? { ...c, grant_types: [...c.grant_types, 'password' as const] } : c,
      ),
      customApiClient('Orders API (client)', ORDERS_API_CLIENT, ORDERS),
      // Its own API is the Catalog, and it may call the Catalog on a user's behalf: a chain that can grow.
      customApiClient('Catalog API (client)', CATALOG_API_CLIENT, CATALOG),
    ],
    clientGrants: [
      ...base.clientGrants,
      { client_id: 'Orders Service', audience: ORDERS, scope: ['read:orders'] },
      {
        client_id: 'Orders API (client)',
        audience: CATALOG,
        scope: ['adjust:stock', 'read:catalog'],
        subject_type: 'user',
      },
      { client_id: 'Catalog API (client)', audience: CATALOG, scope: ['read:catalog'], subject_type: 'user' },
    ],
    tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
  };
}

export async function post(tenant: { issuer: string }, body: Record<string, string>) {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A user's access token for `audience`, from the password grant (the Back Office may use it). */
export async function userToken(
  tenant: { issuer: string },
  user: typeof ALICE,
  audience: string,
  scope?: string,
): Promise<string> {
  const reply = await post(tenant, {
    grant_type: 'password',
    client_id: BACK_OFFICE.id,
    client_secret: BACK_OFFICE.secret,
    ...user,
    audience,
    ...(scope === undefined ? {} : { scope }),
  });
  expect(reply.status).toBe(200);
  return String(reply.json.access_token);
}

export function exchange(
  tenant: { issuer: string },
  subjectToken: string,
  extra: Record<string, string> = {},
  caller: { id: string; secret: string } = ORDERS_API_CLIENT,
) {
  return post(tenant, {
    grant_type: EXCHANGE,
    client_id: caller.id,
    client_secret: caller.secret,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN,
    requested_token_type: ACCESS_TOKEN,
    audience: CATALOG,
    ...extra,
  });
}
