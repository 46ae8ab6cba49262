import { createTenant, type Tenant } from '@authmesh/server';
import { customApiClient, fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/index.ts';
import { createOnBehalfOfClient, type M2MEvent, type OnBehalfOfClient } from '../../src/m2m/index.ts';

/**
 * The on-behalf-of client against the real tenant (packages/server): the Orders API's Custom API client
 * exchanges Alice's Orders API token for a Catalog API token that names Alice and, in `act`, the Orders API.
 */

const CATALOG = 'https://catalog.example.test';
const ORDERS = 'orders-api';
const BACK_OFFICE = { id: 'backoffice-0001', secret: 'backoffice-secret-0123456789abcdef0123456789ab' };
const ORDERS_M2M = { id: 'orders-m2m-0001', secret: 'orders-secret-0123456789abcdef0123456789abcdef' };
const ORDERS_API_CLIENT = { id: 'orders-api-client-01', secret: 'orders-api-secret-0123456789abcdef0123456789ab' };
const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' };
const BOB = { username: 'bob@example.test', password: 'staff password 1234' };

let tenant: Tenant;

beforeAll(async () => {
  const base = fixtureConfig();
  tenant = await createTenant({
    config: {
      ...base,
      clients: [
        // The Back Office may use the password grant: the quickest way to a user token for the Orders API.
        ...base.clients.map((c) =>
          c.name === 'Back Office' ? { ...c, grant_types: [...c.grant_types, 'password' as const] } : c,
        ),
        customApiClient('Orders API (client)', ORDERS_API_CLIENT, ORDERS),
      ],
      clientGrants: [
        ...base.clientGrants,
        { client_id: 'Orders Service', audience: ORDERS, scope: ['read:orders'] },
        { client_id: 'Orders API (client)', audience: CATALOG, scope: ['read:catalog'], subject_type: 'user' },
      ],
      tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
    },
    port: 0,
    dataDir: null,
  });
});
afterAll(() => tenant?.close());

async function tokenEndpoint(form: Record<string, string>): Promise<string> {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return String(body.access_token);
}

const ordersToken = (user: typeof ALICE) =>
  tokenEndpoint({
    grant_type: 'password',
    client_id: BACK_OFFICE.id,
    client_secret: BACK_OFFICE.secret,
    ...user,
    audience: ORDERS,
  });
const aliceOrdersToken = () => ordersToken(ALICE);

function client(events: M2MEvent[] = []): OnBehalfOfClient {
  return createOnBehalfOfClient({
    issuerBaseURL: tenant.issuer,
    clientId: ORDERS_API_CLIENT.id,
    clientSecret: ORDERS_API_CLIENT.secret,
    onEvent: (event) => events.push(event),
  });
}

describe('on behalf of the user, against the real tenant', () => {
  it('the exchanged token is for the Catalog API, names Alice as sub and the Orders API as actor', async () => {
    const subject = await aliceOrdersToken();
    const obo = client();
    const token = await obo.getToken(subject, { audience: CATALOG, scope: 'read:catalog' });
    expect(token).toMatchObject({
      tokenType: 'Bearer',
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'read:catalog',
    });
    const catalog = createVerifier({ issuerBaseURL: tenant.issuer, audience: CATALOG });
    const orders = createVerifier({ issuerBaseURL: tenant.issuer, audience: ORDERS });
    const user = await orders.verify(subject);
    const exchanged = await catalog.verify(token.accessToken);
    expect(exchanged.subject).toBe(user.subject);
    expect(exchanged.isMachine).toBe(false);
    expect(exchanged.actors).toEqual([`${ORDERS_API_CLIENT.id}@clients`]);
    expect(user.actors).toEqual([]);
    // Never past the user token: the subject's exp bounds the cached token.
    expect(token.expiresAt).toBeLessThanOrEqual((user.claims.exp as number) * 1000);
    await obo.close();
  });

  it('20 concurrent calls with one user token → one exchange; a second user → a second exchange', async () => {
    const events: M2MEvent[] = [];
    const obo = client(events);
    const first = await aliceOrdersToken();
    const second = await ordersToken(BOB);
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => obo.getToken(first, { audience: CATALOG, scope: 'read:catalog' })),
    );
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(events.filter((e) => e.type === 'token_request')).toHaveLength(1);
    const other = await obo.getToken(second, { audience: CATALOG, scope: 'read:catalog' });
    expect(other.accessToken).not.toBe(tokens[0]?.accessToken);
    expect(events.filter((e) => e.type === 'token_request')).toHaveLength(2);
    await obo.close();
  });

  it('a machine token as subject is refused: M2MError with the tenant’s invalid_request, not retried', async () => {
    const m2mToken = await tokenEndpoint({
      grant_type: 'client_credentials',
      client_id: ORDERS_M2M.id,
      client_secret: ORDERS_M2M.secret,
      audience: ORDERS,
    });
    const events: M2MEvent[] = [];
    const obo = client(events);
    const error = await obo.getToken(m2mToken, { audience: CATALOG }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', status: 400, oauthError: 'invalid_request' });
    expect((error as Error).message).toContain('subject_token must be a user access token');
    expect(events.filter((e) => e.type === 'token_request')).toHaveLength(1);
    await obo.close();
  });

  it('a scope the grant does not hold is refused as ERR_M2M_ACCESS_DENIED', async () => {
    const obo = client();
    const error = await obo
      .getToken(await aliceOrdersToken(), { audience: CATALOG, scope: 'read:catalog adjust:stock' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_M2M_ACCESS_DENIED' });
    await obo.close();
  });
});
