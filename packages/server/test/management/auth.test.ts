import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { SigningJwk } from '../../src/tenant/keys.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import {
  ADMIN,
  api,
  CATALOG,
  clientCredentials,
  errorBody,
  managementToken,
  ORDERS,
  OUTSIDER,
  READER,
  type Reply,
  startManagementTenant,
} from './support.ts';

/**
 * Who may call the Management API (docs/security.md, "Management API"): only the tenant's own, unexpired JWTs
 * for `<issuer>api/v2/`, and for each endpoint only with one of its scopes, checked before anything is
 * looked up. Every answer is Auth0-shaped JSON and carries the rate-limit headers.
 */
let tenant: Tenant;
let storage: Storage;
let issuer: string;
let audience: string;
let signingKey: SigningJwk;

beforeAll(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  tenant = await startManagementTenant({ storage });
  issuer = tenant.issuer;
  audience = managementApiIdentifier(issuer);
  const keys = await storage.getState<SigningJwk[]>('keys:signing');
  if (!keys?.[0]) throw new Error('the tenant has no signing key');
  signingKey = keys[0];
});
afterAll(async () => {
  await tenant?.close();
  await storage?.close();
});

interface Endpoint {
  method: string;
  path: string;
  scopes: string;
  body?: unknown;
  write?: boolean;
}

const grantPath = '/client-grants/cgr_doesnotexist0000';
/** Every endpoint of this part, with the scopes Auth0 requires ("any of"). */
const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/resource-servers', scopes: 'read:resource_servers' },
  {
    method: 'POST',
    path: '/resource-servers',
    scopes: 'create:resource_servers',
    body: { identifier: 'https://new.example.test' },
    write: true,
  },
  { method: 'GET', path: `/resource-servers/${encodeURIComponent(CATALOG)}`, scopes: 'read:resource_servers' },
  {
    method: 'PATCH',
    path: `/resource-servers/${encodeURIComponent(CATALOG)}`,
    scopes: 'update:resource_servers',
    body: { name: 'Renamed' },
    write: true,
  },
  {
    method: 'DELETE',
    path: `/resource-servers/${encodeURIComponent(CATALOG)}`,
    scopes: 'delete:resource_servers',
    write: true,
  },
  { method: 'GET', path: '/clients', scopes: 'read:clients,read:client_keys,read:client_summary' },
  { method: 'POST', path: '/clients', scopes: 'create:clients', body: { name: 'New' }, write: true },
  { method: 'GET', path: '/clients/spa-client-0001', scopes: 'read:clients,read:client_keys,read:client_summary' },
  {
    method: 'PATCH',
    path: '/clients/spa-client-0001',
    scopes: 'update:clients,update:client_keys',
    body: { name: 'Renamed' },
    write: true,
  },
  { method: 'DELETE', path: '/clients/spa-client-0001', scopes: 'delete:clients', write: true },
  { method: 'POST', path: `/clients/${ORDERS.clientId}/rotate-secret`, scopes: 'update:client_keys', write: true },
  { method: 'GET', path: '/client-grants', scopes: 'read:client_grants' },
  {
    method: 'POST',
    path: '/client-grants',
    scopes: 'create:client_grants',
    body: { client_id: ORDERS.clientId, audience: 'orders-api', scope: ['read:orders'] },
    write: true,
  },
  { method: 'GET', path: grantPath, scopes: 'read:client_grants' },
  { method: 'PATCH', path: grantPath, scopes: 'update:client_grants', body: { scope: [] }, write: true },
  { method: 'DELETE', path: grantPath, scopes: 'delete:client_grants', write: true },
];

function expectRateLimitHeaders(reply: Reply): void {
  expect(reply.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
  expect(reply.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  expect(Number(reply.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
}

function expectAuth0Json(reply: Reply): void {
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(reply.headers.get('cache-control')).toBe('no-store');
}

/** Signs `payload` with the tenant's own key (or `key`), RS256 unless `header` says otherwise. */
function ownJwt(payload: Record<string, unknown>, header: Record<string, unknown> = {}, key = signingKey): string {
  const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: signingKey.kid, ...header })).toString(
    'base64url',
  );
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('RSA-SHA256', Buffer.from(`${h}.${p}`), createPrivateKey({ key: { ...key }, format: 'jwk' }));
  return `${h}.${p}.${signature.toString('base64url')}`;
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: `${ADMIN.clientId}@clients`,
    azp: ADMIN.clientId,
    aud: audience,
    iat: now,
    exp: now + 300,
    scope: 'read:clients',
    gty: 'client-credentials',
    ...extra,
  };
}

async function resourceServerCount(): Promise<number> {
  const token = await managementToken(issuer, ADMIN);
  const reply = await api(issuer, 'GET', '/resource-servers?include_totals=true', { token });
  return (reply.json as { total: number }).total;
}

describe('authentication', () => {
  it('no Authorization header → 401 "Missing authentication" on every endpoint', async () => {
    for (const endpoint of ENDPOINTS) {
      const reply = await api(issuer, endpoint.method, endpoint.path, { body: endpoint.body });
      expect(reply.status, `${endpoint.method} ${endpoint.path}`).toBe(401);
      expect(reply.json).toEqual(errorBody(401, 'Missing authentication'));
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      expectAuth0Json(reply);
      expectRateLimitHeaders(reply);
    }
  });

  it('a token for another API → 401 on every endpoint, even with a same-named scope', async () => {
    const other = await clientCredentials(issuer, ORDERS, CATALOG);
    const token = (other.json as { access_token: string }).access_token;
    for (const endpoint of ENDPOINTS) {
      const reply = await api(issuer, endpoint.method, endpoint.path, { token, body: endpoint.body });
      expect(reply.status, `${endpoint.method} ${endpoint.path}`).toBe(401);
      expect(reply.json).toEqual({
        ...errorBody(401, `Bad audience: ${CATALOG}`),
        attributes: { error: `Bad audience: ${CATALOG}` },
      });
    }
    // Same signature, same issuer, a scope named like a Management API scope: still the wrong audience.
    const sameName = ownJwt(claims({ aud: 'https://catalog.example.test', scope: 'read:clients' }));
    expect((await api(issuer, 'GET', '/clients', { token: sameName })).status).toBe(401);
  });

  it('RFC 8725 §3.9: an `aud` array that contains the Management API is accepted', async () => {
    const token = ownJwt(claims({ aud: ['https://catalog.example.test', audience] }));
    expect((await api(issuer, 'GET', '/clients', { token })).status).toBe(200);
  });

  it('an expired token → 401 with Auth0 text', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = ownJwt(claims({ iat: now - 600, exp: now - 10 }));
    const reply = await api(issuer, 'GET', '/clients', { token });
    const message = 'Expired token received for JSON Web Token validation';
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ ...errorBody(401, message), attributes: { error: message } });
  });

  it('forged, tampered, unsigned or foreign tokens → 401 "Invalid token"', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreignKey = privateKey.export({ format: 'jwk' }) as unknown as SigningJwk;
    const valid = ownJwt(claims());
    const [h, , s] = valid.split('.');
    const escalated = Buffer.from(JSON.stringify(claims({ scope: 'delete:clients' }))).toString('base64url');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${valid.split('.')[1]}.`;
    const cases = {
      'another key': ownJwt(claims(), {}, foreignKey),
      'tampered payload': `${h}.${escalated}.${s}`,
      'alg none': none,
      'HS256 header': ownJwt(claims(), { alg: 'HS256' }),
      'unknown kid': ownJwt(claims(), { kid: 'nope' }),
      'other issuer': ownJwt(claims({ iss: 'https://evil.example.test/' })),
      'issuer without slash': ownJwt(claims({ iss: issuer.slice(0, -1) })),
      'not yet valid': ownJwt(claims({ nbf: Math.floor(Date.now() / 1000) + 600 })),
      'not a JWT': 'opaque-token-value',
    };
    for (const [name, token] of Object.entries(cases)) {
      const reply = await api(issuer, 'GET', '/clients', { token });
      expect(reply.status, name).toBe(401);
      expect(reply.json, name).toEqual({ ...errorBody(401, 'Invalid token'), attributes: { error: 'Invalid token' } });
    }
    const basic = await api(issuer, 'GET', '/clients', { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
  });

  it('authentication comes before routing: an unknown path without a token is 401, not 404', async () => {
    expect((await api(issuer, 'GET', '/nothing-here')).status).toBe(401);
  });
});

describe('RFC 6750 §3.1: scopes', () => {
  it('a Management API token without the endpoint scope → 403 insufficient_scope on every endpoint', async () => {
    const token = await managementToken(issuer, OUTSIDER);
    for (const endpoint of ENDPOINTS) {
      const reply = await api(issuer, endpoint.method, endpoint.path, { token, body: endpoint.body });
      expect(reply.status, `${endpoint.method} ${endpoint.path}`).toBe(403);
      expect(reply.json).toEqual(
        errorBody(403, `Insufficient scope, expected any of: ${endpoint.scopes}`, 'insufficient_scope'),
      );
      expectAuth0Json(reply);
    }
  });

  it('read scopes do not allow writes, and refused writes change nothing', async () => {
    const before = await resourceServerCount();
    const token = await managementToken(issuer, READER);
    for (const endpoint of ENDPOINTS.filter((e) => e.write)) {
      const reply = await api(issuer, endpoint.method, endpoint.path, { token, body: endpoint.body });
      expect(reply.status, `${endpoint.method} ${endpoint.path}`).toBe(403);
    }
    expect(await resourceServerCount()).toBe(before);
    const admin = await managementToken(issuer, ADMIN);
    const spa = await api(issuer, 'GET', '/clients/spa-client-0001', { token: admin });
    expect(spa.json).toMatchObject({ name: 'Shop SPA' });
    const secretStillWorks = await clientCredentials(issuer, ORDERS, CATALOG);
    expect(secretStillWorks.status).toBe(200);
  });

  it('the scope check comes before the lookup: a missing object is 403 to a caller without the scope', async () => {
    const token = await managementToken(issuer, OUTSIDER);
    expect((await api(issuer, 'GET', '/clients/does-not-exist', { token })).status).toBe(403);
    const admin = await managementToken(issuer, ADMIN);
    expect((await api(issuer, 'GET', '/clients/does-not-exist', { token: admin })).status).toBe(404);
  });
});

describe('routing', () => {
  it('unknown routes → 404, other methods → 405 with Allow, in Auth0 shape', async () => {
    const token = await managementToken(issuer, ADMIN);
    const unknown = await api(issuer, 'GET', '/stats/daily', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(errorBody(404, 'Not Found'));
    expectAuth0Json(unknown);
    expectRateLimitHeaders(unknown);
    const wrongMethod = await api(issuer, 'PUT', '/clients', { token, body: {} });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect(wrongMethod.json).toEqual(errorBody(405, 'Method Not Allowed'));
  });

  it('paths outside /api/v2 are not the Management API', async () => {
    const discovery = await fetch(new URL('.well-known/openid-configuration', issuer));
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
