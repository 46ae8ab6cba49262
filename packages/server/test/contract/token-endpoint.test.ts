import { fixtureConfig, loginForCode, ScriptedBrowser } from '@authmesh/testkit';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { createTenant } from '../../src/create-tenant.ts';
import {
  ALICE,
  authorizeUrl,
  BOB,
  basicAuth,
  CATALOG,
  decodeJwt,
  type JsonReply,
  ORDERS,
  ORDERS_API,
  readReply,
  SPA,
  tokenRequest,
} from '../security/helpers.ts';

/**
 * The token endpoint as Auth0 SDKs observe it (docs/engine.md, "Tokens"):
 * body encodings, client authentication, audience/resource translation, response shape, access-token
 * audiences and scopes (RBAC on and off), ID-token claims, refresh-token issuance and rotation.
 *
 * The tenant is the fixture plus a client grant of `read:orders` on the non-URL API `orders-api` for the
 * Orders Service, so client credentials can be tested against an identifier that is not a URL.
 */
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  const base = fixtureConfig();
  tenant = await createTenant({
    config: fixtureConfig({
      clientGrants: [
        ...base.clientGrants,
        { client_id: 'Orders Service', audience: ORDERS_API, scope: ['read:orders'] },
      ],
    }),
    port: 0,
    dataDir: null,
  });
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

/** POST /oauth/token with a JSON body (what auth0-spa-js sends with `useFormData: false`). */
async function jsonTokenRequest(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return readReply(response);
}

function ordersM2m(extra: Record<string, string>): Record<string, string> {
  return { grant_type: 'client_credentials', client_id: ORDERS.clientId, client_secret: ORDERS.clientSecret, ...extra };
}

/** Claims that differ between two otherwise identical issuances. */
const VOLATILE = ['iat', 'exp', 'nbf', 'jti', 'nonce', 'at_hash', 'c_hash', 's_hash', 'sid', 'auth_time'];

function stable(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const { header, payload } = decodeJwt(token);
  for (const claim of VOLATILE) delete payload[claim];
  return { header, payload };
}

function spaLogin(options: {
  scope: string;
  audience?: string;
  user?: typeof ALICE | typeof BOB;
  extraParams?: Record<string, string>;
}) {
  return loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...(options.user ?? ALICE),
    scope: options.scope,
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.extraParams ? { extraParams: options.extraParams } : {}),
  });
}

function redeem(code: string, verifier: string): Promise<JsonReply> {
  return tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code,
    code_verifier: verifier,
    redirect_uri: SPA.redirectUri,
  });
}

/** A full SPA login and code redemption; fails the test unless the token endpoint answers 200. */
async function spaTokens(options: Parameters<typeof spaLogin>[0]) {
  const login = await spaLogin(options);
  const reply = await redeem(login.code, login.verifier);
  expect(reply.status, reply.text).toBe(200);
  return { ...login, reply, json: reply.json as Record<string, unknown> & { access_token: string } };
}

function refresh(refreshToken: string): Promise<JsonReply> {
  return tokenRequest(issuer, {
    grant_type: 'refresh_token',
    client_id: SPA.clientId,
    refresh_token: refreshToken,
    redirect_uri: SPA.redirectUri, // auth0-spa-js adds it; it must be ignored
  });
}

function scopes(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean).sort() : [];
}

function expectSuccessShape(reply: JsonReply, lifetime: number): void {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.json.token_type).toBe('Bearer');
  expect(Number.isInteger(reply.json.expires_in)).toBe(true);
  expect(reply.json.expires_in).toBe(lifetime);
  expect(reply.headers.get('cache-control')).toMatch(/no-store/);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('request encodings and client authentication', () => {
  it('client_credentials: a JSON body gives the same answer and token as a form body', async () => {
    const form = await tokenRequest(issuer, ordersM2m({ audience: CATALOG }));
    const json = await jsonTokenRequest(ordersM2m({ audience: CATALOG }));
    expect(form.status).toBe(200);
    expect(json.status).toBe(200);
    expect(Object.keys(json.json).sort()).toEqual(Object.keys(form.json).sort());
    for (const field of ['token_type', 'expires_in', 'scope']) expect(json.json[field]).toEqual(form.json[field]);
    expect(stable(json.json.access_token as string)).toEqual(stable(form.json.access_token as string));
    expect(decodeJwt(json.json.access_token as string).payload.sub).toBe(`${ORDERS.clientId}@clients`);
  });

  it('authorization_code: a JSON body gives the same answer and tokens as a form body', async () => {
    const request = { scope: 'openid profile email offline_access read:catalog', audience: CATALOG };
    const a = await spaLogin(request);
    const b = await spaLogin(request);
    const form = await redeem(a.code, a.verifier);
    const json = await jsonTokenRequest({
      grant_type: 'authorization_code',
      client_id: SPA.clientId,
      code: b.code,
      code_verifier: b.verifier,
      redirect_uri: SPA.redirectUri,
    });
    expect(form.status, form.text).toBe(200);
    expect(json.status, json.text).toBe(200);
    expect(Object.keys(json.json).sort()).toEqual(Object.keys(form.json).sort());
    expect(Object.keys(json.json).sort()).toEqual(
      ['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type'].sort(),
    );
    for (const field of ['token_type', 'expires_in', 'scope']) expect(json.json[field]).toEqual(form.json[field]);
    expect(stable(json.json.access_token as string)).toEqual(stable(form.json.access_token as string));
    expect(stable(json.json.id_token as string)).toEqual(stable(form.json.id_token as string));
  });

  it('`scope` as a JSON array is accepted (joined as a space-separated list)', async () => {
    const inventory = tenant.clients.find((c) => c.name === 'Inventory Service');
    if (!inventory?.client_secret) throw new Error('fixture: Inventory Service has no secret');
    const reply = await jsonTokenRequest({
      grant_type: 'client_credentials',
      client_id: inventory.client_id,
      client_secret: inventory.client_secret,
      audience: CATALOG,
      scope: ['read:catalog', 'adjust:stock'],
    });
    expect(reply.status, reply.text).toBe(200);
    expect(scopes(decodeJwt(reply.json.access_token as string).payload.scope)).toEqual([
      'adjust:stock',
      'read:catalog',
    ]);
    expect(scopes(reply.json.scope)).toEqual(['adjust:stock', 'read:catalog']);
  });

  it('client_secret_basic works with a JSON body too', async () => {
    const reply = await jsonTokenRequest(
      { grant_type: 'client_credentials', audience: CATALOG },
      { authorization: basicAuth(ORDERS.clientId, ORDERS.clientSecret) },
    );
    expectSuccessShape(reply, 3600);
    expect(decodeJwt(reply.json.access_token as string).payload.azp).toBe(ORDERS.clientId);
  });
});

describe('audience and resource', () => {
  it('client_credentials for a non-URL audience (orders-api) → aud "orders-api" (a string), the grant scope, its token_lifetime', async () => {
    const reply = await tokenRequest(issuer, ordersM2m({ audience: ORDERS_API }));
    expectSuccessShape(reply, 86_400);
    const { payload } = decodeJwt(reply.json.access_token as string);
    expect(payload.aud).toBe(ORDERS_API);
    expect(payload.scope).toBe('read:orders');
    expect(payload.gty).toBe('client-credentials');
    expect(payload.permissions).toBeUndefined(); // orders-api has no RBAC
    expect((payload.exp as number) - (payload.iat as number)).toBe(86_400);
  });

  it('RFC 8707 `resource` is accepted instead of `audience`', async () => {
    const reply = await tokenRequest(issuer, ordersM2m({ resource: ORDERS_API }));
    expect(reply.status, reply.text).toBe(200);
    expect(decodeJwt(reply.json.access_token as string).payload.aud).toBe(ORDERS_API);
    const url = await tokenRequest(issuer, ordersM2m({ resource: CATALOG }));
    expect(url.status, url.text).toBe(200);
    expect(decodeJwt(url.json.access_token as string).payload.aud).toBe(CATALOG);
  });

  it('`audience` wins when both `audience` and `resource` are sent', async () => {
    const reply = await tokenRequest(issuer, ordersM2m({ audience: CATALOG, resource: ORDERS_API }));
    expectSuccessShape(reply, 3600);
    expect(decodeJwt(reply.json.access_token as string).payload.aud).toBe(CATALOG);
    const swapped = await jsonTokenRequest(ordersM2m({ resource: CATALOG, audience: ORDERS_API }));
    expectSuccessShape(swapped, 86_400);
    expect(decodeJwt(swapped.json.access_token as string).payload.aud).toBe(ORDERS_API);
  });

  it('/authorize with `resource` instead of `audience` yields a token for that API', async () => {
    const login = await loginForCode({
      issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      ...ALICE,
      scope: 'openid read:orders',
      extraParams: { resource: ORDERS_API },
    });
    const reply = await redeem(login.code, login.verifier);
    expect(reply.status, reply.text).toBe(200);
    expect(decodeJwt(reply.json.access_token as string).payload.aud).toEqual([ORDERS_API, `${issuer}userinfo`]);
  });
});

describe('user access tokens', () => {
  it('login with openid and no audience → an opaque (non-JWT) access token that works at /userinfo, expires_in 86400', async () => {
    const { json, reply } = await spaTokens({ scope: 'openid profile email' });
    expectSuccessShape(reply, 86_400);
    expect(typeof json.id_token).toBe('string');
    const token = json.access_token;
    expect(token.split('.')).not.toHaveLength(3);
    expect(() => decodeJwt(token)).toThrow();

    const userinfo = await fetch(new URL('userinfo', issuer), { headers: { authorization: `Bearer ${token}` } });
    expect(userinfo.status).toBe(200);
    const profile = (await userinfo.json()) as Record<string, unknown>;
    expect(profile.email).toBe(ALICE.username);
    expect(profile.name).toBe('Alice Customer');
    expect(profile.sub).toBe(decodeJwt(json.id_token as string).payload.sub);
  });

  it('login for a non-URL audience (orders-api) → aud ["orders-api", "<issuer>userinfo"], usable at /userinfo', async () => {
    const { json, reply } = await spaTokens({ scope: 'openid profile read:orders', audience: ORDERS_API });
    expectSuccessShape(reply, 86_400);
    const { payload } = decodeJwt(json.access_token);
    expect(payload.aud).toEqual([ORDERS_API, `${issuer}userinfo`]);
    expect(payload.azp).toBe(SPA.clientId);
    expect(payload.iss).toBe(issuer);
    const userinfo = await fetch(new URL('userinfo', issuer), {
      headers: { authorization: `Bearer ${json.access_token}` },
    });
    expect(userinfo.status).toBe(200);
  });

  it('/authorize with an unknown audience → redirect to the callback with error=access_denied, "Service not found: <aud>", state', async () => {
    const state = 'st+/=ate';
    const authorize = authorizeUrl(issuer, {
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state,
      nonce: 'n',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      audience: 'https://unknown-api.example.test',
    });
    const { url } = await new ScriptedBrowser().follow(authorize, SPA.redirectUri);
    expect(url.startsWith(SPA.redirectUri)).toBe(true);
    const callback = new URL(url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('Service not found: https://unknown-api.example.test');
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('login without openid but with an audience → aud is a string, no id_token', async () => {
    // No nonce either: the engine refuses a nonce without openid (an empty value counts as absent).
    const { json } = await spaTokens({ scope: 'read:catalog', audience: CATALOG, extraParams: { nonce: '' } });
    expect(json.id_token).toBeUndefined();
    const { payload } = decodeJwt(json.access_token);
    expect(payload.aud).toBe(CATALOG);
    expect(payload.scope).toBe('read:catalog');
    expect(json.scope).toBe('read:catalog');
  });

  it('RBAC: alice (Customer) asking for read:catalog write:catalog adjust:stock gets only read:catalog, permissions ["read:catalog"]', async () => {
    const { json, reply } = await spaTokens({
      scope: 'openid profile read:catalog write:catalog adjust:stock',
      audience: CATALOG,
    });
    expectSuccessShape(reply, 3600);
    const { payload } = decodeJwt(json.access_token);
    expect(scopes(payload.scope)).toEqual(['openid', 'profile', 'read:catalog']);
    expect(scopes(json.scope)).toEqual(['openid', 'profile', 'read:catalog']);
    expect(payload.permissions).toEqual(['read:catalog']);
    expect(payload.aud).toEqual([CATALOG, `${issuer}userinfo`]);
  });

  it('RBAC: bob (Staff) asking only for read:catalog still gets ALL his permissions in `permissions`', async () => {
    const { json } = await spaTokens({ scope: 'openid read:catalog', audience: CATALOG, user: BOB });
    const { payload } = decodeJwt(json.access_token);
    expect(scopes(payload.scope)).toEqual(['openid', 'read:catalog']);
    expect([...(payload.permissions as string[])].sort()).toEqual(['adjust:stock', 'read:catalog']);
  });

  it('API without RBAC (orders-api, dialect access_token): no `permissions`, scope = requested ∩ API scopes', async () => {
    const { json } = await spaTokens({
      scope: 'openid read:orders create:orders read:catalog delete:everything',
      audience: ORDERS_API,
      user: BOB,
    });
    const { payload } = decodeJwt(json.access_token);
    expect(payload).not.toHaveProperty('permissions');
    expect(scopes(payload.scope)).toEqual(['create:orders', 'openid', 'read:orders']);
    expect(scopes(json.scope)).toEqual(['create:orders', 'openid', 'read:orders']);
  });
});

describe('ID token', () => {
  it('has iss, sub, aud = client id, nonce, iat/exp 36000 s apart, the profile and email claims; RS256 with a JWKS kid', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { json, nonce } = await spaTokens({ scope: 'openid profile email', audience: CATALOG });
    const idToken = json.id_token as string;
    const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', issuer));
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
      issuer,
      audience: SPA.clientId,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(typeof protectedHeader.kid).toBe('string');
    const keys = (await (await fetch(new URL('.well-known/jwks.json', issuer))).json()) as { keys: { kid: string }[] };
    expect(keys.keys.map((k) => k.kid)).toContain(protectedHeader.kid);

    expect(payload.iss).toBe(issuer);
    expect(payload.aud).toBe(SPA.clientId);
    expect(payload.sub).toMatch(/^auth0\|/);
    expect(payload.nonce).toBe(nonce);
    expect(payload.iat).toBeGreaterThanOrEqual(before - 1);
    expect((payload.exp as number) - (payload.iat as number)).toBe(36_000);
    expect(payload.name).toBe('Alice Customer');
    expect(typeof payload.nickname).toBe('string');
    expect(payload.nickname).not.toBe('');
    expect(typeof payload.picture).toBe('string');
    expect(typeof payload.updated_at).toBe('string');
    expect(new Date(payload.updated_at as string).toISOString()).toBe(payload.updated_at);
    expect(payload.email).toBe(ALICE.username);
    expect(payload.email_verified).toBe(true);
    // and the access token for the API is for the same user
    expect(decodeJwt(json.access_token).payload.sub).toBe(payload.sub);
  });
});

describe('refresh tokens', () => {
  it('issued with offline_access on an API that allows it; `scope` echoes the OIDC scopes and offline_access', async () => {
    const { json } = await spaTokens({ scope: 'openid profile email offline_access read:catalog', audience: CATALOG });
    expect(typeof json.refresh_token).toBe('string');
    expect(scopes(json.scope)).toEqual(['email', 'offline_access', 'openid', 'profile', 'read:catalog']);
    expect(scopes(decodeJwt(json.access_token).payload.scope)).toEqual(scopes(json.scope));
  });

  it('not issued for orders-api (allow_offline_access false) even with offline_access requested', async () => {
    const { json } = await spaTokens({ scope: 'openid offline_access read:orders', audience: ORDERS_API });
    expect(json.refresh_token).toBeUndefined();
    expect(typeof json.id_token).toBe('string');
    expect(decodeJwt(json.access_token).payload.aud).toEqual([ORDERS_API, `${issuer}userinfo`]);
  });

  it('…and then neither the response `scope` nor the access token `scope` claims offline_access', async () => {
    const { json } = await spaTokens({ scope: 'openid offline_access read:orders', audience: ORDERS_API });
    expect(json.refresh_token).toBeUndefined();
    expect(scopes(json.scope)).toEqual(['openid', 'read:orders']);
    expect(scopes(decodeJwt(json.access_token).payload.scope)).toEqual(['openid', 'read:orders']);
  });

  it('refresh → new id_token and (rotating SPA) a new refresh token; the old one is refused, and that reuse revokes the newest one too', async () => {
    const first = await spaTokens({ scope: 'openid profile email offline_access read:catalog', audience: CATALOG });
    const rt1 = first.json.refresh_token as string;
    expect(typeof rt1).toBe('string');

    const second = await refresh(rt1);
    expectSuccessShape(second, 3600);
    const rt2 = second.json.refresh_token as string;
    expect(typeof rt2).toBe('string');
    expect(rt2).not.toBe(rt1);
    expect(typeof second.json.id_token).toBe('string');
    const { payload: id } = await jwtVerify(
      second.json.id_token as string,
      createRemoteJWKSet(new URL('.well-known/jwks.json', issuer)),
      { issuer, audience: SPA.clientId, algorithms: ['RS256'] },
    );
    expect(id.sub).toBe(decodeJwt(first.json.id_token as string).payload.sub);
    expect(id.email).toBe(ALICE.username);
    expect(scopes(second.json.scope)).toEqual(['email', 'offline_access', 'openid', 'profile', 'read:catalog']);
    expect(decodeJwt(second.json.access_token as string).payload.aud).toEqual([CATALOG, `${issuer}userinfo`]);

    const reuse = await refresh(rt1);
    expect(reuse.status).toBe(403);
    expect(reuse.json).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });

    const newest = await refresh(rt2);
    expect(newest.status).toBe(403);
    expect(newest.json).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
  });
});
