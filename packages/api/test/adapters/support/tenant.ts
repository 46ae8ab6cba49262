/**
 * Real tokens for the adapter tests: an in-memory authmesh tenant (the testkit's fixture configuration)
 * started with `@authmesh/testing`, whose flows mint the tokens, with no mocking of the issuer.
 */
import type { TenantConfig } from '@authmesh/server';
import { startTenant as startTestTenant, type TestTenant } from '@authmesh/testing';
import { fixtureConfig } from '@authmesh/testkit';

export type Tenant = TestTenant;

export const CATALOG = 'https://catalog.example.test';
export const ORDERS_API = 'orders-api';
export const ORDERS = {
  clientId: 'orders-m2m-0001',
  clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef',
} as const;
export const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' } as const;
export const BOB = { username: 'bob@example.test', password: 'staff password 1234' } as const;
const SPA = { clientId: 'spa-client-0001', redirectUri: 'http://localhost:5173/callback' } as const;

/**
 * The fixture tenant plus a grant of the Orders Service on `orders-api`: a genuine, well-signed token for
 * another API, to check the audience without forging anything.
 */
export function startTenant(extra: Partial<TenantConfig> = {}): Promise<Tenant> {
  const base = fixtureConfig();
  return startTestTenant({
    config: fixtureConfig({
      clientGrants: [
        ...base.clientGrants,
        { client_id: 'Orders Service', audience: ORDERS_API, scope: ['read:orders'] },
      ],
      ...extra,
    }),
  });
}

/** A client-credentials access token (the kit knows the client's secret, pinned or generated). */
export async function machineToken(tenant: Tenant, client: { clientId: string }, audience: string): Promise<string> {
  return (await tenant.clientCredentials({ client: client.clientId, audience })).access_token;
}

/** The Inventory Service, whose id and secret the tenant generated (so only known once it runs). */
export function inventoryClient(tenant: Tenant): { clientId: string } {
  return { clientId: tenant.client('Inventory Service').client_id };
}

/** A user's access token from the SPA login (authorization code + PKCE). Without audience it is opaque. */
export async function userToken(
  tenant: Tenant,
  user: { username: string; password: string },
  request: { scope: string; audience?: string },
): Promise<string> {
  const tokens = await tenant.userToken({
    user: { email: user.username, password: user.password },
    client: SPA.clientId,
    redirectUri: SPA.redirectUri,
    scope: request.scope,
    ...(request.audience === undefined ? {} : { audience: request.audience }),
  });
  return tokens.access_token;
}

/** The user id the tenant gave a fixture user (the `sub` of their tokens). */
export function userId(tenant: Tenant, user: { username: string }): string {
  return tenant.userId(user.username);
}
