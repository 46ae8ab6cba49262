import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import {
  ACCESS_TOKEN,
  ALICE,
  BACK_OFFICE,
  BOB,
  CATALOG,
  CATALOG_API_CLIENT,
  config,
  EXCHANGE,
  exchange,
  ORDERS,
  ORDERS_API_CLIENT,
  ORDERS_M2M,
  post,
  userToken,
} from './token-exchange-support.ts';

/*
 * Auth0's On-Behalf-Of token exchange (RFC 8693) at /oauth/token: the Orders API's Custom API client trades
 * the user's Orders API token for a Catalog API token that still names the user, and every refusal.
 */

describe('On-Behalf-Of token exchange', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({ config: config(), port: 0, dataDir: null });
  });
  afterAll(() => tenant.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('issues a downstream token for the user, with the caller in act, RBAC scopes and the API lifetime', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    const reply = await exchange(tenant, subject);
    expect(reply.status).toBe(200);
    expect(reply.json.issued_token_type).toBe(ACCESS_TOKEN);
    expect(reply.json.token_type).toBe('Bearer');
    expect(reply.json.expires_in).toBe(3600);
    // Alice (Customer) holds read:catalog only; the grant would allow adjust:stock too.
    expect(reply.json.scope).toBe('read:catalog');
    const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', tenant.issuer));
    const { payload } = await jwtVerify(String(reply.json.access_token), jwks, {
      issuer: tenant.issuer,
      audience: CATALOG,
    });
    expect(payload.sub).toBe(decodeJwt(subject).sub);
    expect(payload.aud).toBe(CATALOG);
    expect(payload.azp).toBe(ORDERS_API_CLIENT.id);
    expect(payload.scope).toBe('read:catalog');
    expect(payload.permissions).toEqual(['read:catalog']);
    expect(payload.act).toEqual({ sub: `${ORDERS_API_CLIENT.id}@clients`, client_id: ORDERS_API_CLIENT.id });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
  });

  it('narrows to the asked scope, within what the user holds', async () => {
    const subject = await userToken(tenant, BOB, ORDERS);
    const all = await exchange(tenant, subject);
    expect(String(all.json.scope).split(' ').sort()).toEqual(['adjust:stock', 'read:catalog']);
    const asked = await exchange(tenant, subject, { scope: 'adjust:stock' });
    expect(asked.status).toBe(200);
    expect(decodeJwt(String(asked.json.access_token)).scope).toBe('adjust:stock');
  });

  it('scope escalation: a scope the user-delegated grant lacks is 400 invalid_scope', async () => {
    const subject = await userToken(tenant, BOB, ORDERS);
    const reply = await exchange(tenant, subject, { scope: 'read:catalog write:catalog' });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      error: 'invalid_scope',
      error_description: 'Client has not been granted scopes: write:catalog',
    });
  });

  it('nests act for chains, and refuses a subject token that already has five levels', async () => {
    let token = await userToken(tenant, ALICE, CATALOG);
    const user = decodeJwt(token).sub;
    for (let depth = 1; depth <= 5; depth += 1) {
      const reply = await exchange(tenant, token, {}, CATALOG_API_CLIENT);
      expect(reply.status).toBe(200);
      token = String(reply.json.access_token);
      const payload = decodeJwt(token);
      expect(payload.sub).toBe(user);
      let level = payload.act as Record<string, unknown> | undefined;
      let seen = 0;
      while (level) {
        expect(level.client_id).toBe(CATALOG_API_CLIENT.id);
        seen += 1;
        level = level.act as Record<string, unknown> | undefined;
      }
      expect(seen).toBe(depth);
    }
    const refused = await exchange(tenant, token, {}, CATALOG_API_CLIENT);
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: 'invalid_request',
      error_description: 'Delegation chain (`act` claim) depth exceeds the maximum allowed limit of 4',
    });
  });

  it('an expired subject token: 400 invalid_request', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 86_400_000);
    const reply = await exchange(tenant, subject);
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'invalid_request', error_description: 'subject_token has expired' });
  });

  it('a foreign subject token (same claims, another key): 400 invalid_request', async () => {
    const genuine = decodeJwt(await userToken(tenant, ALICE, ORDERS));
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = (await exportJWK(publicKey)).n?.slice(0, 16) ?? 'foreign';
    const forged = await new SignJWT({ ...genuine })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .sign(privateKey);
    const reply = await exchange(tenant, forged);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_request');
    expect(reply.json.error_description).toBe('subject_token is not a valid access token of this tenant');
  });

  it("a machine-to-machine token as subject, even for the caller's own API: 400 invalid_request", async () => {
    const m2m = await post(tenant, {
      grant_type: 'client_credentials',
      client_id: ORDERS_M2M.id,
      client_secret: ORDERS_M2M.secret,
      audience: ORDERS,
    });
    expect(m2m.status).toBe(200);
    const reply = await exchange(tenant, String(m2m.json.access_token));
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      error: 'invalid_request',
      error_description: 'subject_token must be a user access token',
    });
  });

  it('an ID token, or a user token for another API, as subject: 400 invalid_request', async () => {
    const withId = await post(tenant, {
      grant_type: 'password',
      client_id: BACK_OFFICE.id,
      client_secret: BACK_OFFICE.secret,
      ...ALICE,
      audience: ORDERS,
      scope: 'openid',
    });
    // An ID token is no access token (the engine signs it untyped); a token for the Catalog is not the caller's.
    const byId = await exchange(tenant, String(withId.json.id_token));
    expect(byId.status).toBe(400);
    expect(byId.json).toEqual({
      error: 'invalid_request',
      error_description: 'subject_token is not a valid access token of this tenant',
    });
    const otherApi = await exchange(tenant, await userToken(tenant, ALICE, CATALOG));
    expect(otherApi.status).toBe(400);
    expect(otherApi.json).toEqual({
      error: 'invalid_request',
      error_description: "subject_token was not issued for this client's API (orders-api)",
    });
  });

  it('an API the caller holds no user-delegated grant for: 403 access_denied; an unknown API: Service not found', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    const ungranted = await exchange(tenant, subject, { audience: ORDERS });
    expect(ungranted.status).toBe(403);
    expect(ungranted.json.error).toBe('access_denied');
    expect(String(ungranted.json.error_description)).toContain('Client is not authorized to access "orders-api"');
    const unknown = await exchange(tenant, subject, { audience: 'https://nowhere.example.test' });
    expect(unknown.status).toBe(403);
    expect(unknown.json).toEqual({
      error: 'access_denied',
      error_description: 'Service not found: https://nowhere.example.test',
    });
  });

  it('a client that is not a Custom API client allowed to exchange: 403 unauthorized_client', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    const reply = await exchange(tenant, subject, {}, ORDERS_M2M);
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual({
      error: 'unauthorized_client',
      error_description: `Grant type '${EXCHANGE}' not allowed for the client.`,
    });
  });

  it('another subject_token_type, or no subject_token: 400 invalid_request', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    const idType = await exchange(tenant, subject, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' });
    expect(idType.status).toBe(400);
    expect(idType.json.error).toBe('invalid_request');
    const missing = await exchange(tenant, '');
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('invalid_request');
  });
});
