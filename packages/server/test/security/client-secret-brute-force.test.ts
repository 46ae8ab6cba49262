import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/index.ts';
import { basicAuth, CATALOG, ORDERS, rawRequest, startTenant, tokenRequest } from './helpers.ts';

const form = (secret: string) =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: ORDERS.clientId,
    client_secret: secret,
    audience: CATALOG,
  }).toString();

/** RFC 6749 §10.10: the token endpoint resists guessing a client's secret. */
describe('client-secret brute force at /oauth/token', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await startTenant();
  });
  afterAll(() => tenant?.close());

  it('RFC 6749 §10.10: after 20 wrong secrets from one IP, that client is refused 429 from that IP, even with the right secret; another IP is unaffected', async () => {
    for (let i = 0; i < 20; i++) {
      const reply = await tokenRequest(tenant.issuer, {
        grant_type: 'client_credentials',
        client_id: ORDERS.clientId,
        client_secret: `wrong-${i}`,
        audience: CATALOG,
      });
      expect(reply.status).toBe(401);
    }
    const blocked = await tokenRequest(tenant.issuer, {
      grant_type: 'client_credentials',
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
      audience: CATALOG,
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.json).toMatchObject({ error: 'too_many_attempts' });
    expect(blocked.json.access_token).toBeUndefined();

    // Basic authentication is the same client: also blocked.
    const basic = await tokenRequest(
      tenant.issuer,
      { grant_type: 'client_credentials', audience: CATALOG },
      { authorization: basicAuth(ORDERS.clientId, ORDERS.clientSecret) },
    );
    expect(basic.status).toBe(429);

    const otherIp = await rawRequest(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(ORDERS.clientSecret),
      localAddress: '127.0.0.2',
    });
    expect(otherIp.status).toBe(200);
    expect(JSON.parse(otherIp.body).access_token).toEqual(expect.any(String));
  });

  it('successful requests are never counted: 60 right-secret requests in a row all succeed', async () => {
    const replies = await Promise.all(
      Array.from({ length: 60 }, () =>
        rawRequest(new URL('oauth/token', tenant.issuer), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form(ORDERS.clientSecret),
          localAddress: '127.0.0.3',
        }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(60).fill(200));
  });
});
