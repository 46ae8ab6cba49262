import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig, loginForCode } from '@authmesh/testkit';

/** The fixture tenant's actors (see packages/testkit/src/fixture-config.ts). */
export const CATALOG = 'https://catalog.example.test';
export const ORDERS_M2M = {
  clientId: 'orders-m2m-0001',
  clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef',
} as const;
export const SPA = { clientId: 'spa-client-0001', redirectUri: 'http://localhost:5173/callback' } as const;
export const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' } as const;

/** The real authmesh tenant, in memory, on a free port. */
export function startRealTenant(): Promise<Tenant> {
  return createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
}

async function tokenEndpoint(tenant: Tenant, params: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A client-credentials access token of the Orders service for the Catalog API. */
export async function m2mToken(tenant: Tenant, audience: string = CATALOG): Promise<string> {
  const reply = await tokenEndpoint(tenant, {
    grant_type: 'client_credentials',
    client_id: ORDERS_M2M.clientId,
    client_secret: ORDERS_M2M.clientSecret,
    audience,
  });
  return reply.access_token as string;
}

/** Alice logs in to the SPA (PKCE, through the login form) asking for the Catalog API: her tokens. */
export async function aliceTokens(tenant: Tenant): Promise<{ accessToken: string; idToken: string }> {
  const login = await loginForCode({
    issuer: tenant.issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
    scope: 'openid profile email',
    audience: CATALOG,
  });
  const reply = await tokenEndpoint(tenant, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  return { accessToken: reply.access_token as string, idToken: reply.id_token as string };
}
