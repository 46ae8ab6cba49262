import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createM2MClient, type M2MClientOptions, type M2MEvent } from '../../src/m2m/index.ts';

/**
 * Against the real tenant (packages/server): the fixture's Orders Service has a client grant for the Catalog API
 * with `read:catalog` only.
 */
const ORDERS = { clientId: 'orders-m2m-0001', clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef' };
const CATALOG = 'https://catalog.example.test';

let tenant: Tenant;

function startTenant(port = 0): Promise<Tenant> {
  return createTenant({ config: fixtureConfig(), port, dataDir: null });
}

function client(options: Partial<M2MClientOptions> = {}) {
  const events: M2MEvent[] = [];
  const m2m = createM2MClient({
    issuerBaseURL: tenant.issuer,
    ...ORDERS,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { m2m, events, requests: () => events.filter((e) => e.type === 'token_request').length };
}

beforeAll(async () => {
  tenant = await startTenant();
});
afterAll(() => tenant?.close());

describe('against the real tenant', () => {
  it('getToken returns a token the tenant signed for the audience and the granted scope', async () => {
    const { m2m } = client();
    const token = await m2m.getToken({ audience: CATALOG, scope: 'read:catalog' });
    expect(token).toMatchObject({ tokenType: 'Bearer', scope: 'read:catalog' });
    const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', tenant.issuer));
    const { payload } = await jwtVerify(token.accessToken, jwks, { issuer: tenant.issuer, audience: CATALOG });
    expect(payload).toMatchObject({ sub: `${ORDERS.clientId}@clients`, scope: 'read:catalog' });
    // Expiry from expires_in (the Catalog API's token_lifetime is 3600 s), counted from the local send time.
    expect(token.expiresAt - Date.now()).toBeGreaterThan(3590_000);
    expect(token.expiresAt - Date.now()).toBeLessThanOrEqual(3600_000);
    await m2m.close();
  });

  it('an ungranted scope → ERR_M2M_ACCESS_DENIED with the tenant’s description, no retry', async () => {
    const { m2m, requests } = client();
    const error = await m2m
      .getToken({ audience: CATALOG, scope: 'read:catalog write:catalog' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_M2M_ACCESS_DENIED', status: 403, oauthError: 'access_denied' });
    expect((error as Error).message).toContain('Client has not been granted scopes: write:catalog');
    expect(requests()).toBe(1);
    await m2m.close();
  });

  it('a wrong secret → ERR_M2M_INVALID_CLIENT (Auth0’s 401 access_denied "Unauthorized"), no retry', async () => {
    const { m2m, requests } = client({ clientSecret: 'wrong-secret-0123456789abcdef0123456789abcdef' });
    const error = await m2m.getToken({ audience: CATALOG }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_M2M_INVALID_CLIENT', status: 401, oauthError: 'access_denied' });
    expect((error as Error).message).not.toContain('wrong-secret');
    expect(requests()).toBe(1);
    await m2m.close();
  });

  it('the tenant stops and starts again on the same port → getToken retries across the outage and recovers', async () => {
    let restarted: Promise<void> | undefined;
    const { port } = tenant;
    const { m2m, events } = client({
      // The outage ends during the backoff wait that follows a refused connection: the tenant comes back on the same
      // port (same pinned client credentials, fresh in-memory state). Deterministic, instead of racing a real timer
      // against the tenant's start-up. (A first attempt may also fail on a kept-alive socket the old tenant closed.)
      sleep: async () => {
        const last = events.filter((e) => e.type === 'token_retry').at(-1);
        if (last && 'reason' in last && last.reason === 'ECONNREFUSED') {
          restarted ??= startTenant(port).then((next) => {
            tenant = next;
          });
          await restarted;
        }
      },
    });
    const before = await m2m.getToken({ audience: CATALOG });
    await tenant.close();
    await m2m.invalidate({ audience: CATALOG });

    const after = await m2m.getToken({ audience: CATALOG });
    expect(after.accessToken).not.toBe(before.accessToken);
    const reasons = events.flatMap((e) => (e.type === 'token_retry' ? [e.reason] : []));
    expect(reasons).toContain('ECONNREFUSED');
    expect(reasons.every((r) => r === 'ECONNREFUSED' || r === 'UND_ERR_SOCKET' || r === 'ECONNRESET')).toBe(true);
    await m2m.close();
  });
});
