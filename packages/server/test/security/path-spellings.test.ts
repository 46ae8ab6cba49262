import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/index.ts';
import { basicAuth, CATALOG, ORDERS, SPA, startTenant, tokenRequest } from './helpers.ts';

/**
 * The engine's router matches its paths in any letter case and with a trailing slash. Each of those
 * spellings must meet the same guards as the canonical path, or get 404: here they get 404, so the
 * client-secret throttle and the web_message origin check cannot be walked around.
 */
describe('one way in per path', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await startTenant();
  });
  afterAll(() => tenant?.close());

  const spellings = [
    ['POST', '/oauth/token/'],
    ['POST', '/OAUTH/TOKEN'],
    ['POST', '/OAuth/Token/'],
    ['POST', '/oauth/revoke/'],
    ['POST', '/OAUTH/REVOKE'],
    ['GET', '/AUTHORIZE'],
    ['GET', '/authorize/'],
    ['GET', '/Authorize/some-interaction-uid'],
    ['GET', '/USERINFO'],
    ['GET', '/userinfo/'],
    ['GET', '/.WELL-KNOWN/JWKS.JSON'],
    ['GET', '/.well-known/openid-configuration/'],
    ['GET', '/OIDC/LOGOUT'],
    ['GET', '/oidc/logout/success/'],
    ['GET', '/U/LOGIN'],
    ['GET', '/v2/logout/'],
  ] as const;

  for (const [method, path] of spellings) {
    it(`${method} ${path} → 404, never the engine`, async () => {
      const response = await fetch(new URL(path, tenant.issuer), {
        method,
        redirect: 'manual',
        ...(method === 'POST'
          ? {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({
                grant_type: 'client_credentials',
                client_id: ORDERS.clientId,
                client_secret: ORDERS.clientSecret,
                audience: CATALOG,
              }),
            }
          : {}),
      });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('access_token');
    });
  }

  it('the canonical spellings still work', async () => {
    const discovery = await fetch(new URL('.well-known/openid-configuration', tenant.issuer));
    expect(discovery.status).toBe(200);
    const jwks = await fetch(new URL('.well-known/jwks.json', tenant.issuer));
    expect(jwks.status).toBe(200);
    const token = await tokenRequest(tenant.issuer, {
      grant_type: 'client_credentials',
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
      audience: CATALOG,
    });
    expect(token.status).toBe(200);
  });

  it('a web_message request through another spelling of /authorize never reaches the engine', async () => {
    const url = new URL('/AUTHORIZE', tenant.issuer);
    url.search = new URLSearchParams({
      client_id: SPA.clientId,
      redirect_uri: SPA.redirectUri,
      response_type: 'code',
      response_mode: 'web_message',
      prompt: 'none',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('postMessage');
  });

  it('the Basic scheme is matched in any case: `basic` credentials count toward the client-secret throttle', async () => {
    const lowerBasic = (secret: string) => basicAuth(ORDERS.clientId, secret).replace(/^Basic /, 'basic ');
    for (let i = 0; i < 20; i++) {
      const reply = await tokenRequest(
        tenant.issuer,
        { grant_type: 'client_credentials', audience: CATALOG },
        { authorization: lowerBasic(`wrong-${i}`) },
      );
      expect(reply.status).toBe(401);
    }
    const blocked = await tokenRequest(
      tenant.issuer,
      { grant_type: 'client_credentials', audience: CATALOG },
      { authorization: lowerBasic(ORDERS.clientSecret) },
    );
    expect(blocked.status).toBe(429);
    expect(blocked.json).toMatchObject({ error: 'too_many_attempts' });
  });
});
