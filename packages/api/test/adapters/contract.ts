/**
 * The adapter contract, written once and run against Express, Fastify and Hono (one small test file
 * each): same routes, same tokens from a real tenant, same answers to the byte in `WWW-Authenticate`
 * (RFC 6750 §3). Each adapter test builds this app with its framework's idioms:
 *
 *   GET  /public       no auth
 *   GET  /forgot-auth  requireScopes('read:catalog') WITHOUT auth(): must fail closed (401)
 *   GET  /me           auth → describeCaller(auth)
 *   GET  /catalog      requireScopes('read:catalog')
 *   POST /stock        requireScopes('adjust:stock')
 *   GET  /any          requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' })
 *   GET  /perm         requirePermissions('read:catalog')
 *   GET  /m2m-only     claimCheck(isMachineToken, 'Machine tokens only')
 *   GET  /crash        claimCheck(crashingCheck): not a refusal, a bug, left to the framework (500)
 *
 * Every route but /me answers `{ ok: true }` when it lets the caller through.
 */
import type { AccessTokenClaims, AuthResult, VerifierOptions } from '@authmesh/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CATALOG,
  inventoryClient,
  machineToken,
  ORDERS,
  ORDERS_API,
  startTenant,
  type Tenant,
  userId,
  userToken,
} from './support/tenant.ts';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Builds the contract app (see the route table above) for these verifier options and listens on a free port. */
export type StartApp = (options: VerifierOptions) => Promise<RunningApp>;

/** The `/me` answer, built the same way by every app. */
export function describeCaller(auth: AuthResult) {
  return {
    subject: auth.subject,
    isMachine: auth.isMachine,
    scopes: [...auth.scopes].sort(),
    permissions: [...auth.permissions].sort(),
  };
}

export const isMachineToken = (claims: Readonly<AccessTokenClaims>): boolean => claims.gty === 'client-credentials';

export const crashingCheck = (): boolean => {
  throw new Error('a claim check with a bug');
};

const WWW = {
  none: 'Bearer realm="api"',
  malformed: 'Bearer realm="api", error="invalid_request", error_description="The Authorization header is malformed"',
  twoMethods:
    'Bearer realm="api", error="invalid_request", error_description="More than one method was used to send the token"',
  signature: 'Bearer realm="api", error="invalid_token", error_description="The token signature is invalid"',
  audience: 'Bearer realm="api", error="invalid_token", error_description="The token audience is not this API"',
  notJws: 'Bearer realm="api", error="invalid_token", error_description="The token is not a compact JWS"',
  adjustStock:
    'Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope", scope="adjust:stock"',
  machineOnly: 'Bearer realm="api", error="insufficient_scope", error_description="Machine tokens only"',
};

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

export function describeAdapterContract(name: string, startApp: StartApp): void {
  describe(`${name}: the adapter contract`, () => {
    let tenant: Tenant;
    let app: RunningApp;
    const tokens = { orders: '', inventory: '', ordersApi: '', alice: '', bob: '', opaque: '' };

    beforeAll(async () => {
      tenant = await startTenant();
      const wanted = { scope: 'openid read:catalog adjust:stock', audience: CATALOG };
      [tokens.orders, tokens.inventory, tokens.ordersApi, tokens.alice, tokens.bob, tokens.opaque] = await Promise.all([
        machineToken(tenant, ORDERS, CATALOG),
        machineToken(tenant, inventoryClient(tenant), CATALOG),
        machineToken(tenant, ORDERS, ORDERS_API),
        userToken(tenant, ALICE, wanted),
        userToken(tenant, BOB, wanted),
        userToken(tenant, ALICE, { scope: 'openid' }),
      ]);
      app = await startApp({ issuerBaseURL: tenant.issuer, audience: CATALOG });
    });
    afterAll(async () => {
      await app?.close();
      await tenant?.stop();
    });

    function call(path: string, init: { method?: string; token?: string; authorization?: string } = {}) {
      const authorization = init.authorization ?? (init.token ? `Bearer ${init.token}` : undefined);
      return send(`${app.url}${path}`, init.method ?? 'GET', authorization);
    }

    describe('without a usable token (RFC 6750 §3.1)', () => {
      it('serves a public route without a token', async () => {
        const reply = await call('/public');
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ ok: true });
      });

      it('no token → 401 with a bare challenge (no error attribute), empty JSON body', async () => {
        expectRefusal(await call('/me'), 401, WWW.none, {});
      });

      it('another scheme (Basic) → 401 with a bare challenge', async () => {
        expectRefusal(await call('/me', { authorization: 'Basic YWxpY2U6c2VjcmV0' }), 401, WWW.none, {});
      });

      it('a malformed Bearer header → 400 invalid_request', async () => {
        expectRefusal(await call('/me', { authorization: 'Bearer a b' }), 400, WWW.malformed, {
          error: 'invalid_request',
          error_description: 'The Authorization header is malformed',
        });
      });

      it('a token in the query only is ignored (RFC 9700 §4.3.2) → 401 bare challenge', async () => {
        expectRefusal(await call(`/me?access_token=${tokens.orders}`), 401, WWW.none, {});
      });

      it('a token in both the header and the query → 400 invalid_request (RFC 6750 §2)', async () => {
        const reply = await call(`/me?access_token=${tokens.orders}`, { token: tokens.orders });
        expect(reply.status).toBe(400);
        expect(reply.headers.get('www-authenticate')).toBe(WWW.twoMethods);
      });

      it('a forged signature → 401 invalid_token', async () => {
        const [header, payload] = tokens.orders.split('.');
        const forged = `${header}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
        expectRefusal(await call('/catalog', { token: forged }), 401, WWW.signature, {
          error: 'invalid_token',
          error_description: 'The token signature is invalid',
        });
      });

      it('a genuine token for another API (aud orders-api) → 401 invalid_token', async () => {
        expectRefusal(await call('/me', { token: tokens.ordersApi }), 401, WWW.audience, {
          error: 'invalid_token',
          error_description: 'The token audience is not this API',
        });
      });

      it('an opaque user token (requested without audience) → 401 invalid_token', async () => {
        expect(tokens.opaque.split('.')).toHaveLength(1);
        expectRefusal(await call('/me', { token: tokens.opaque }), 401, WWW.notJws, {
          error: 'invalid_token',
          error_description: 'The token is not a compact JWS',
        });
      });

      it('a guarded route without auth() fails closed: 401 as if no token, even with a valid one', async () => {
        expectRefusal(await call('/forgot-auth', { token: tokens.orders }), 401, WWW.none, {});
      });
    });

    describe('a machine token (Orders Service: read:catalog)', () => {
      it('/me describes the machine caller as the tenant issued it (permissions = granted scopes)', async () => {
        const reply = await call('/me', { token: tokens.orders });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({
          subject: `${ORDERS.clientId}@clients`,
          isMachine: true,
          scopes: ['read:catalog'],
          permissions: ['read:catalog'],
        });
      });

      it.each([
        ['GET', '/catalog'],
        ['GET', '/any'],
        ['GET', '/perm'],
        ['GET', '/m2m-only'],
      ])('%s %s → 200', async (method, path) => {
        const reply = await call(path, { method, token: tokens.orders });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ ok: true });
      });

      it('POST /stock → 403 insufficient_scope naming the missing scope', async () => {
        expectRefusal(await call('/stock', { method: 'POST', token: tokens.orders }), 403, WWW.adjustStock, {
          error: 'insufficient_scope',
          error_description: 'Insufficient scope',
        });
      });

      it('Inventory Service (adjust:stock read:catalog) → POST /stock 200', async () => {
        const reply = await call('/stock', { method: 'POST', token: tokens.inventory });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ ok: true });
      });
    });

    describe('user tokens (RBAC)', () => {
      it('/me describes alice (Customer): scope openid read:catalog, permission read:catalog', async () => {
        const reply = await call('/me', { token: tokens.alice });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({
          subject: userId(tenant, ALICE),
          isMachine: false,
          scopes: ['openid', 'read:catalog'],
          permissions: ['read:catalog'],
        });
      });

      it.each([['/catalog'], ['/perm'], ['/any']])('alice: GET %s → 200', async (path) => {
        expect((await call(path, { token: tokens.alice })).status).toBe(200);
      });

      it('alice: POST /stock → 403 insufficient_scope', async () => {
        const reply = await call('/stock', { method: 'POST', token: tokens.alice });
        expectRefusal(reply, 403, WWW.adjustStock, {
          error: 'insufficient_scope',
          error_description: 'Insufficient scope',
        });
      });

      it('alice: a failed claim check → 403 with its description, no scope attribute', async () => {
        expectRefusal(await call('/m2m-only', { token: tokens.alice }), 403, WWW.machineOnly, {
          error: 'insufficient_scope',
          error_description: 'Machine tokens only',
        });
      });

      it('bob (Staff): POST /stock → 200, and /me lists both permissions', async () => {
        expect((await call('/stock', { method: 'POST', token: tokens.bob })).status).toBe(200);
        const me = await call('/me', { token: tokens.bob });
        expect(me.body).toMatchObject({
          subject: userId(tenant, BOB),
          isMachine: false,
          permissions: ['adjust:stock', 'read:catalog'],
        });
      });
    });

    describe('errors that are not refusals, and configuration', () => {
      it('a claim check that throws is a bug: the framework answers 500, not a 403 challenge', async () => {
        const reply = await call('/crash', { token: tokens.orders });
        expect(reply.status).toBe(500);
        expect(reply.headers.get('www-authenticate')).toBeNull();
      });

      it('guards answer with the realm of the auth() that ran before them', async () => {
        const custom = await startApp({ issuerBaseURL: tenant.issuer, audience: CATALOG, realm: 'catalog' });
        try {
          const missing = await send(`${custom.url}/me`, 'GET', undefined);
          expectRefusal(missing, 401, 'Bearer realm="catalog"', {});
          const denied = await send(`${custom.url}/stock`, 'POST', `Bearer ${tokens.alice}`);
          expectRefusal(denied, 403, WWW.adjustStock.replace('realm="api"', 'realm="catalog"'), {
            error: 'insufficient_scope',
            error_description: 'Insufficient scope',
          });
        } finally {
          await custom.close();
        }
      });

      it('keys unavailable (tenant unreachable, nothing cached) → 503 with Retry-After, no error attribute', async () => {
        const unreachable: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
        const down = await startApp({ issuerBaseURL: tenant.issuer, audience: CATALOG, fetch: unreachable });
        try {
          const reply = await send(`${down.url}/catalog`, 'GET', `Bearer ${tokens.orders}`);
          expectRefusal(reply, 503, WWW.none, {
            error: 'temporarily_unavailable',
            error_description: 'The authorization server is unreachable and no signing key is cached',
          });
          expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
        } finally {
          await down.close();
        }
      });

      it('a bad option throws OptionsError (ERR_OPTIONS_INVALID) while the app is built', async () => {
        await expect(startApp({ issuerBaseURL: tenant.issuer, audience: '' })).rejects.toMatchObject({
          name: 'OptionsError',
          code: 'ERR_OPTIONS_INVALID',
        });
      });
    });
  });
}

async function send(url: string, method: string, authorization: string | undefined): Promise<Reply> {
  const response = await fetch(url, { method, headers: authorization ? { authorization } : {} });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
}

/** A refusal as RFC 6750 wants it: status, exact challenge, never cached, JSON body. */
function expectRefusal(reply: Reply, status: number, wwwAuthenticate: string, body: Record<string, string>): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('www-authenticate')).toBe(wwwAuthenticate);
  expect(reply.headers.get('cache-control')).toBe('no-store');
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(reply.body).toEqual(body);
}
