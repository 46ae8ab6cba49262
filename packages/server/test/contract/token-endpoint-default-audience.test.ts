import { fixtureConfig, loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { createTenant } from '../../src/create-tenant.ts';
import { ALICE, CATALOG, decodeJwt, ORDERS, ORDERS_API, SPA, tokenRequest } from '../security/helpers.ts';

/**
 * The tenant "Default Audience" (Auth0's tenant setting, docs/engine.md, "Tokens"): it applies "as if" appended to every
 * request that names no audience. A separate file because it needs its own tenant: the fixture with
 * `tenant.default_audience` = the catalog API. (Without it, see token-endpoint.test.ts: opaque token.)
 */
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  const base = fixtureConfig();
  tenant = await createTenant({
    config: fixtureConfig({ tenant: { ...base.tenant, default_audience: CATALOG } }),
    port: 0,
    dataDir: null,
  });
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

async function spaTokens(scope: string, audience?: string) {
  const { code, verifier } = await loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
    scope,
    ...(audience !== undefined ? { audience } : {}),
  });
  const reply = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code,
    code_verifier: verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(reply.status, reply.text).toBe(200);
  return reply;
}

describe('tenant default audience', () => {
  it('a login with openid and no audience yields a JWT for the default audience (aud [api, userinfo]) that works at /userinfo', async () => {
    const reply = await spaTokens('openid profile email read:catalog');
    expect(reply.json.expires_in).toBe(3600); // the catalog API's token_lifetime, not the opaque 86400
    const token = reply.json.access_token as string;
    expect(token.split('.')).toHaveLength(3);
    const { header, payload } = decodeJwt(token);
    expect(header.alg).toBe('RS256');
    expect(payload.iss).toBe(issuer);
    expect(payload.aud).toEqual([CATALOG, `${issuer}userinfo`]);
    expect(payload.azp).toBe(SPA.clientId);
    expect(payload.permissions).toEqual(['read:catalog']);
    expect((payload.scope as string).split(' ').sort()).toEqual(['email', 'openid', 'profile', 'read:catalog']);

    const userinfo = await fetch(new URL('userinfo', issuer), { headers: { authorization: `Bearer ${token}` } });
    expect(userinfo.status).toBe(200);
    expect(((await userinfo.json()) as Record<string, unknown>).email).toBe(ALICE.username);
  });

  it('an explicit audience still wins over the default', async () => {
    const reply = await spaTokens('openid read:orders', ORDERS_API);
    expect(decodeJwt(reply.json.access_token as string).payload.aud).toEqual([ORDERS_API, `${issuer}userinfo`]);
    expect(reply.json.expires_in).toBe(86_400);
  });

  it('client_credentials without audience uses the default audience (aud a string)', async () => {
    const reply = await tokenRequest(issuer, {
      grant_type: 'client_credentials',
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
    });
    expect(reply.status, reply.text).toBe(200);
    const { payload } = decodeJwt(reply.json.access_token as string);
    expect(payload.aud).toBe(CATALOG);
    expect(payload.scope).toBe('read:catalog');
  });
});
