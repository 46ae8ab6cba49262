import { createPrivateKey, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { SigningJwk } from '../../src/tenant/keys.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ADMIN, api, startManagementTenant } from '../management/support.ts';

/**
 * The endpoints that verify the tenant's own access tokens (`/userinfo` with a JWT, `/api/v2`) accept only
 * access-token types (`JWT`, `at+jwt`, `application/at+jwt`, any case) and refuse a token issued in the
 * future (`iat` beyond the clock tolerance) even when its signature, issuer and expiry are good. Tokens are
 * signed here with the tenant's real signing key, so the only difference from an accepted token is the
 * field under test.
 */
let tenant: Tenant;
let storage: Storage;
let issuer: string;
let signingKey: SigningJwk;
let aliceId: string;

const CATALOG = 'https://catalog.example.test';
const SPA_CLIENT_ID = 'spa-client-0001';

beforeAll(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  tenant = await startManagementTenant({ storage });
  issuer = tenant.issuer;
  const keys = await storage.getState<SigningJwk[]>('keys:signing');
  if (!keys?.[0]) throw new Error('the tenant has no signing key');
  signingKey = keys[0];
  const alice = tenant.users.find((u) => u.email === 'alice@example.test');
  if (!alice) throw new Error('the fixture has no alice');
  aliceId = alice.user_id;
});
afterAll(async () => {
  await tenant?.close();
  await storage?.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs with the tenant's key; `header` replaces the default `typ` (undefined removes it). */
function ownJwt(payload: Record<string, unknown>, header: Record<string, unknown> = { typ: 'JWT' }): string {
  const fullHeader = { alg: 'RS256', kid: signingKey.kid, ...header };
  const h = Buffer.from(JSON.stringify(fullHeader)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const key = createPrivateKey({ key: { ...signingKey }, format: 'jwk' });
  return `${h}.${p}.${sign('RSA-SHA256', Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
}

function userToken(extraClaims: Record<string, unknown> = {}, header?: Record<string, unknown>): string {
  const now = nowSeconds();
  return ownJwt(
    {
      iss: issuer,
      sub: aliceId,
      aud: [CATALOG, `${issuer}userinfo`],
      azp: SPA_CLIENT_ID,
      iat: now,
      exp: now + 300,
      scope: 'openid profile email',
      ...extraClaims,
    },
    header,
  );
}

function managementApiToken(extraClaims: Record<string, unknown> = {}, header?: Record<string, unknown>): string {
  const now = nowSeconds();
  return ownJwt(
    {
      iss: issuer,
      sub: `${ADMIN.clientId}@clients`,
      azp: ADMIN.clientId,
      aud: managementApiIdentifier(issuer),
      iat: now,
      exp: now + 300,
      scope: 'read:clients',
      gty: 'client-credentials',
      ...extraClaims,
    },
    header,
  );
}

/** An ID token as the tenant issues them for the SPA (`typ: JWT`, `aud` = the client id), signed by the tenant. */
function idTokenShaped(aud: unknown): string {
  const now = nowSeconds();
  return ownJwt({ iss: issuer, sub: aliceId, aud, iat: now, exp: now + 300, nonce: 'n-0S6_WzA2Mj', sid: 's1' });
}

async function userinfo(token: string): Promise<{ status: number; challenge: string | null; body: unknown }> {
  const response = await fetch(new URL('userinfo', issuer), { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

const ACCEPTED_TYPES = ['JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+Jwt'];
const REFUSED_HEADERS: Record<string, Record<string, unknown>> = {
  'no typ': {},
  'typ logout+jwt': { typ: 'logout+jwt' },
  'typ dpop+jwt': { typ: 'dpop+jwt' },
  'typ JWS': { typ: 'JWS' },
  'typ at+jwt with a suffix': { typ: 'at+jwt; charset=utf-8' },
  'typ as a number': { typ: 1 },
  'typ as a list': { typ: ['at+jwt'] },
};

describe('/userinfo with a JWT access token', () => {
  it('accepts every access-token typ, case-insensitively', async () => {
    for (const typ of ACCEPTED_TYPES) {
      const reply = await userinfo(userToken({}, { typ }));
      expect(reply.status, typ).toBe(200);
      expect(reply.body, typ).toMatchObject({ sub: aliceId, email: 'alice@example.test' });
    }
  });

  it('refuses any other typ, and a missing one, with 401 invalid_token', async () => {
    for (const [name, header] of Object.entries(REFUSED_HEADERS)) {
      const reply = await userinfo(userToken({}, header));
      expect(reply.status, name).toBe(401);
      expect(reply.challenge, name).toBe(
        'Bearer realm="Users", error="invalid_token", error_description="Invalid token"',
      );
    }
  });

  it('refuses a token issued in the future beyond the clock tolerance, accepts one within it', async () => {
    expect((await userinfo(userToken({ iat: nowSeconds() + 600 }))).status).toBe(401);
    expect((await userinfo(userToken({ iat: String(nowSeconds()) }))).status).toBe(401);
    expect((await userinfo(userToken({ iat: nowSeconds() + 20 }))).status).toBe(200);
  });

  it('refuses an ID token presented as an access token', async () => {
    for (const aud of [SPA_CLIENT_ID, [SPA_CLIENT_ID, `${issuer}userinfo-not`]]) {
      const reply = await userinfo(idTokenShaped(aud));
      expect(reply.status).toBe(401);
    }
  });
});

describe('/api/v2', () => {
  const invalidToken = {
    statusCode: 401,
    error: 'Unauthorized',
    message: 'Invalid token',
    attributes: { error: 'Invalid token' },
  };

  it('accepts every access-token typ, case-insensitively', async () => {
    for (const typ of ACCEPTED_TYPES) {
      const reply = await api(issuer, 'GET', '/clients', { token: managementApiToken({}, { typ }) });
      expect(reply.status, typ).toBe(200);
    }
  });

  it('refuses any other typ, and a missing one, with 401 "Invalid token"', async () => {
    for (const [name, header] of Object.entries(REFUSED_HEADERS)) {
      const reply = await api(issuer, 'GET', '/clients', { token: managementApiToken({}, header) });
      expect(reply.status, name).toBe(401);
      expect(reply.json, name).toEqual(invalidToken);
    }
  });

  it('refuses a token issued in the future beyond the clock tolerance, accepts one within it', async () => {
    const future = await api(issuer, 'GET', '/clients', { token: managementApiToken({ iat: nowSeconds() + 600 }) });
    expect(future.status).toBe(401);
    expect(future.json).toEqual(invalidToken);
    const notANumber = await api(issuer, 'GET', '/clients', { token: managementApiToken({ iat: 'soon' }) });
    expect(notANumber.status).toBe(401);
    const withinTolerance = await api(issuer, 'GET', '/clients', {
      token: managementApiToken({ iat: nowSeconds() + 20 }),
    });
    expect(withinTolerance.status).toBe(200);
  });

  it('refuses an ID token presented as an access token', async () => {
    const reply = await api(issuer, 'GET', '/clients', { token: idTokenShaped(ADMIN.clientId) });
    expect(reply.status).toBe(401);
  });
});
