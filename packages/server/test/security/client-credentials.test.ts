import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant, TenantClient } from '../../src/create-tenant.ts';
import {
  BACKOFFICE,
  basicAuth,
  CATALOG,
  decodeJwt,
  type JsonReply,
  ORDERS,
  ORDERS_API,
  rawRequest,
  SPA,
  startTenant,
  tokenRequest,
} from './helpers.ts';

/**
 * Client credentials, client authentication, issued JWTs, JWKS and discovery (docs/security.md:
 * "Token endpoint and client authentication", "Client credentials and audiences", "Issued tokens and keys"). Auth0 statuses: 403 `access_denied` for missing grants/scopes, 401 `access_denied`
 * "Unauthorized" for bad client authentication.
 */
let tenant: Tenant;
let issuer: string;
let inventory: Required<TenantClient>;

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
  const found = tenant.clients.find((c) => c.name === 'Inventory Service');
  if (!found?.client_secret) throw new Error('fixture: Inventory Service has no generated secret');
  inventory = found as Required<TenantClient>;
});
afterAll(() => tenant?.close());

function ordersToken(extra: Record<string, string>, headers: Record<string, string> = {}): Promise<JsonReply> {
  return tokenRequest(
    issuer,
    { grant_type: 'client_credentials', client_id: ORDERS.clientId, client_secret: ORDERS.clientSecret, ...extra },
    headers,
  );
}

function expectNoToken(reply: JsonReply): void {
  expect(reply.json.access_token).toBeUndefined();
  expect(reply.json.refresh_token).toBeUndefined();
  expect(reply.json.id_token).toBeUndefined();
}

function expectForbidden(reply: JsonReply, description: string | RegExp): void {
  expect(reply.status).toBe(403);
  expect(reply.json.error).toBe('access_denied');
  if (typeof description === 'string') expect(reply.json.error_description).toBe(description);
  else expect(reply.json.error_description).toMatch(description);
  expectNoToken(reply);
}

function expectUnauthorized(reply: JsonReply): void {
  expect(reply.status).toBe(401);
  expect(reply.json).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
  expectNoToken(reply);
}

describe('client-credentials over-scoping', () => {
  it('RFC 9700 §2.3: a scope of the API that was not granted → 403 access_denied, no token', async () => {
    expectForbidden(
      await ordersToken({ audience: CATALOG, scope: 'read:catalog write:catalog' }),
      'Client has not been granted scopes: write:catalog',
    );
    expectForbidden(
      await ordersToken({ audience: CATALOG, scope: 'adjust:stock' }),
      'Client has not been granted scopes: adjust:stock',
    );
  });

  it('RFC 9700 §2.3; RFC 9068 §3: a scope of another API, or an unknown scope → 403 access_denied, no token', async () => {
    expectForbidden(
      await ordersToken({ audience: CATALOG, scope: 'read:orders' }),
      'Client has not been granted scopes: read:orders',
    );
    expectForbidden(await ordersToken({ audience: CATALOG, scope: 'admin:all' }), /admin:all/);
  });

  it('RFC 6749 §4.4: an API without a client grant (orders-api) → 403 access_denied, no token', async () => {
    expectForbidden(
      await ordersToken({ audience: ORDERS_API }),
      `Client is not authorized to access "${ORDERS_API}". You need to create a "client-grant" associated to this API.`,
    );
    expectForbidden(await ordersToken({ audience: ORDERS_API, scope: 'read:orders' }), /not authorized to access/);
  });

  it('RFC 6749 §4.4: the Management API audience <issuer>api/v2/ without a grant → 403, no token', async () => {
    const management = `${issuer}api/v2/`;
    expectForbidden(await ordersToken({ audience: management }), /not authorized to access/);
    expectForbidden(await ordersToken({ audience: management, scope: 'read:users' }), /not authorized to access/);
  });

  it('RFC 6749 §4.4: an unknown audience → 403 "Service not found: <aud>"', async () => {
    expectForbidden(
      await ordersToken({ audience: 'https://nope.example.test' }),
      'Service not found: https://nope.example.test',
    );
  });

  it('RFC 6749 §4.4: near-miss audiences (trailing slash, case, suffix) are not the granted API', async () => {
    for (const audience of [
      `${CATALOG}/`,
      'https://CATALOG.example.test',
      `${CATALOG}.evil.example`,
      'catalog.example.test',
    ]) {
      const reply = await ordersToken({ audience });
      expect(reply.status, audience).toBe(403);
      expectNoToken(reply);
    }
  });

  it('RFC 6749 §4.4: no audience (and no default audience) → 403, no token', async () => {
    const reply = await ordersToken({});
    expect(reply.status).toBe(403);
    expect(reply.json.error).toBe('access_denied');
    expectNoToken(reply);
  });

  it('RFC 9700 §2.3: no scope → exactly the granted scopes', async () => {
    const orders = await ordersToken({ audience: CATALOG });
    expect(orders.status).toBe(200);
    expect(orders.json.scope).toBe('read:catalog');
    expect(decodeJwt(orders.json.access_token as string).payload.scope).toBe('read:catalog');

    const inv = await tokenRequest(issuer, {
      grant_type: 'client_credentials',
      client_id: inventory.client_id,
      client_secret: inventory.client_secret,
      audience: CATALOG,
    });
    expect(inv.status).toBe(200);
    const scopes = String(decodeJwt(inv.json.access_token as string).payload.scope)
      .split(' ')
      .sort();
    expect(scopes).toEqual(['adjust:stock', 'read:catalog']);
  });

  it('RFC 9700 §2.3: a granted subset is issued exactly (no widening)', async () => {
    const inv = await tokenRequest(issuer, {
      grant_type: 'client_credentials',
      client_id: inventory.client_id,
      client_secret: inventory.client_secret,
      audience: CATALOG,
      scope: 'read:catalog',
    });
    expect(inv.status).toBe(200);
    expect(decodeJwt(inv.json.access_token as string).payload.scope).toBe('read:catalog');
  });

  it("RFC 6749 §4.4: one M2M client's grant does not extend to another (Orders Service cannot get Inventory's adjust:stock)", async () => {
    expectForbidden(await ordersToken({ audience: CATALOG, scope: 'adjust:stock' }), /adjust:stock/);
  });
});

describe('client authentication at /oauth/token', () => {
  it('RFC 6749 §5.2: wrong secret → 401 access_denied "Unauthorized", no token', async () => {
    expectUnauthorized(
      await tokenRequest(issuer, {
        grant_type: 'client_credentials',
        client_id: ORDERS.clientId,
        client_secret: `${ORDERS.clientSecret.slice(0, -1)}0`,
        audience: CATALOG,
      }),
    );
    // Another client's valid secret is still a wrong secret.
    expectUnauthorized(
      await tokenRequest(issuer, {
        grant_type: 'client_credentials',
        client_id: ORDERS.clientId,
        client_secret: inventory.client_secret,
        audience: CATALOG,
      }),
    );
  });

  it('RFC 6749 §5.2: wrong secret via Basic → 401, no token', async () => {
    expectUnauthorized(
      await tokenRequest(
        issuer,
        { grant_type: 'client_credentials', audience: CATALOG },
        { authorization: basicAuth(ORDERS.clientId, 'wrong-secret') },
      ),
    );
  });

  it('RFC 6749 §3.2.1: missing secret for a confidential client → 401, no token', async () => {
    expectUnauthorized(
      await tokenRequest(issuer, { grant_type: 'client_credentials', client_id: ORDERS.clientId, audience: CATALOG }),
    );
  });

  it('RFC 6749 §5.2: unknown client → 401 access_denied "Unauthorized", no token', async () => {
    expectUnauthorized(
      await tokenRequest(issuer, {
        grant_type: 'client_credentials',
        client_id: 'no-such-client',
        client_secret: ORDERS.clientSecret,
        audience: CATALOG,
      }),
    );
  });

  it('RFC 6749 §2.3: credentials both in Basic and in the body → error, no token', async () => {
    const reply = await ordersToken(
      { audience: CATALOG },
      { authorization: basicAuth(ORDERS.clientId, ORDERS.clientSecret) },
    );
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(reply.json.error).toBe('invalid_request');
    expectNoToken(reply);
  });

  it('RFC 6749 §2.3: client_secret_basic (form-urlencoded per RFC 6749 §2.3.1) works', async () => {
    const reply = await tokenRequest(
      issuer,
      { grant_type: 'client_credentials', audience: CATALOG },
      { authorization: basicAuth(ORDERS.clientId, ORDERS.clientSecret) },
    );
    expect(reply.status).toBe(200);
    expect(decodeJwt(reply.json.access_token as string).payload.sub).toBe(`${ORDERS.clientId}@clients`);
  });

  it('RFC 6749 §3.2: GET /oauth/token → 4xx, no token, and credentials in the query string are not accepted', async () => {
    const url = new URL('oauth/token', issuer);
    url.search = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
      audience: CATALOG,
    }).toString();
    const response = await fetch(url);
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(text).not.toContain('access_token');

    const post = await fetch(url, { method: 'POST' });
    const postText = await post.text();
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
    expect(postText).not.toContain('access_token');
  });

  it('RFC 6749 §5.2, §4.4: the SPA (public client) cannot use client_credentials: 4xx, no token', async () => {
    const reply = await tokenRequest(issuer, {
      grant_type: 'client_credentials',
      client_id: SPA.clientId,
      audience: CATALOG,
    });
    expect([400, 401, 403]).toContain(reply.status);
    expect(typeof reply.json.error).toBe('string');
    expectNoToken(reply);
  });

  it('RFC 6749 §5.2: an M2M client cannot use authorization_code or refresh_token grants: 4xx, no token', async () => {
    const grants: Record<string, string>[] = [
      { grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: 'https://app.example.test/callback' },
      { grant_type: 'refresh_token', refresh_token: 'x'.repeat(43) },
    ];
    for (const grant of grants) {
      const reply = await tokenRequest(issuer, {
        ...grant,
        client_id: ORDERS.clientId,
        client_secret: ORDERS.clientSecret,
      });
      expect([400, 403], grant.grant_type).toContain(reply.status);
      expectNoToken(reply);
    }
  });

  it('RFC 6749 §5.2: a grant type the client may not use → 403 unauthorized_client (Auth0 text)', async () => {
    const spa = await tokenRequest(issuer, {
      grant_type: 'client_credentials',
      client_id: SPA.clientId,
      audience: CATALOG,
    });
    expect(spa.status).toBe(403);
    expect(spa.json).toEqual({
      error: 'unauthorized_client',
      error_description: "Grant type 'client_credentials' not allowed for the client.",
    });
    const m2m = await tokenRequest(issuer, {
      grant_type: 'refresh_token',
      refresh_token: 'x'.repeat(43),
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
    });
    expect(m2m.status).toBe(403);
    expect(m2m.json.error).toBe('unauthorized_client');
  });

  it('RFC 9700 §2.4: the password grant (ROPC) only for clients that list it → 403 unauthorized_client, no token', async () => {
    const clients: Record<string, string>[] = [
      { client_id: SPA.clientId },
      { client_id: BACKOFFICE.clientId, client_secret: BACKOFFICE.clientSecret },
    ];
    for (const client of clients) {
      const reply = await tokenRequest(issuer, {
        grant_type: 'password',
        username: 'alice@example.test',
        password: 'correct horse battery staple',
        ...client,
      });
      // Neither fixture client has `password` in its grant_types (Auth0's default since 2017).
      expect(reply.status, client.client_id).toBe(403);
      expect(reply.json.error).toBe('unauthorized_client');
      expectNoToken(reply);
    }
  });
});

describe('issued M2M access token', () => {
  it('RFC 6749 §4.4.3, §5.1: claims, header and lifetime follow the Auth0 profile', async () => {
    const before = Math.floor(Date.now() / 1000);
    const reply = await ordersToken({ audience: CATALOG });
    const after = Math.floor(Date.now() / 1000);
    expect(reply.status).toBe(200);
    expect(reply.json.token_type).toBe('Bearer');
    expect(reply.json.expires_in).toBe(3600);
    expect(reply.json.refresh_token).toBeUndefined();
    expect(reply.json.id_token).toBeUndefined();

    const token = reply.json.access_token as string;
    const { header, payload } = decodeJwt(token);
    expect(header.alg).toBe('RS256');
    expect(header.typ).toBe('JWT');
    expect(typeof header.kid).toBe('string');
    expect(payload.iss).toBe(issuer);
    expect(payload.sub).toBe(`${ORDERS.clientId}@clients`);
    expect(payload.aud).toBe(CATALOG);
    expect(payload.azp).toBe(ORDERS.clientId);
    expect(payload.scope).toBe('read:catalog');
    expect(payload.gty).toBe('client-credentials');
    const iat = payload.iat as number;
    expect(iat).toBeGreaterThanOrEqual(before - 1);
    expect(iat).toBeLessThanOrEqual(after + 1);
    expect((payload.exp as number) - iat).toBe(3600);

    const jwks = (await (await fetch(new URL('.well-known/jwks.json', issuer))).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
  });

  it('RFC 9068 §2.1: the token verifies against /.well-known/jwks.json with jose (issuer, audience, RS256)', async () => {
    const reply = await ordersToken({ audience: CATALOG });
    const token = reply.json.access_token as string;
    const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', issuer));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience: CATALOG,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe(decodeProtectedHeader(token).kid);
    expect(payload.sub).toBe(`${ORDERS.clientId}@clients`);

    // A tampered payload (scope widened) no longer verifies.
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims.scope = 'read:catalog write:catalog';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await expect(jwtVerify(forged, jwks, { issuer, audience: CATALOG, algorithms: ['RS256'] })).rejects.toThrow();
  });

  it('JWKS has only public members, unique kids, use sig, RSA ≥ 2048 bits', async () => {
    const response = await fetch(new URL('.well-known/jwks.json', issuer));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/json/);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    const kids = keys.map((k) => k.kid);
    expect(new Set(kids).size).toBe(kids.length);
    for (const key of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'])
        expect(key, `${key.kid}.${secret}`).not.toHaveProperty(secret);
      expect(typeof key.kid).toBe('string');
      expect(key.use).toBe('sig');
      expect(key.kty).toBe('RSA');
      if (key.alg !== undefined) expect(key.alg).toBe('RS256');
      const modulusBits = Buffer.from(String(key.n), 'base64url').length * 8;
      expect(modulusBits).toBeGreaterThanOrEqual(2048);
    }
  });
});

describe('discovery is not derived from request headers', () => {
  it('RFC 8414 §3.3: Host and X-Forwarded-* poisoning leaves issuer and every endpoint unchanged', async () => {
    const path = new URL('.well-known/openid-configuration', issuer);
    const honest = JSON.parse((await rawRequest(path)).body) as Record<string, unknown>;
    expect(honest.issuer).toBe(issuer);

    const forgeries: Record<string, string>[] = [
      { host: 'evil.example' },
      { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' },
      { host: `localhost:${tenant.port}`, 'x-forwarded-host': 'evil.example:443', 'x-forwarded-port': '443' },
    ];
    for (const headers of forgeries) {
      const reply = await rawRequest(path, { headers });
      expect(reply.status, JSON.stringify(headers)).toBe(200);
      expect(reply.body).not.toContain('evil.example');
      const poisoned = JSON.parse(reply.body) as Record<string, unknown>;
      expect(poisoned).toEqual(honest);
      expect(poisoned.issuer).toBe(issuer);
      for (const [name, value] of Object.entries(poisoned)) {
        if (name.endsWith('_endpoint') || name === 'jwks_uri') {
          expect(String(value).startsWith(issuer), `${name}=${String(value)}`).toBe(true);
        }
      }
    }
  });

  it('RFC 8414 §3.3: a poisoned Host does not change the issuer of tokens either', async () => {
    const reply = await rawRequest(new URL('oauth/token', issuer), {
      method: 'POST',
      headers: {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: ORDERS.clientId,
        client_secret: ORDERS.clientSecret,
        audience: CATALOG,
      }).toString(),
    });
    expect(reply.status).toBe(200);
    const token = (JSON.parse(reply.body) as { access_token: string }).access_token;
    expect(decodeJwt(token).payload.iss).toBe(issuer);
  });
});
