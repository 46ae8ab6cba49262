import { afterAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';
import { fixtureConfig } from '../support/fixture-config.ts';
import { loginForCode, pkcePair } from '../support/login-flow.ts';

/** Set-Cookie lines of an /authorize request that starts a login (interaction cookies). */
async function interactionCookies(baseUrl: string): Promise<string[]> {
  const url = new URL('/authorize', baseUrl);
  const params = {
    client_id: 'spa-client-0001',
    response_type: 'code',
    redirect_uri: 'http://localhost:5173/callback',
    scope: 'openid',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(303);
  return response.headers.getSetCookie();
}

describe('session cookies as Auth0 sets them', () => {
  const tenants: Tenant[] = [];
  afterAll(() => Promise.all(tenants.map((t) => t.close())));

  it('on http://localhost: the session cookie is SameSite=None; Secure (browsers keep Secure cookies on localhost); interaction cookies stay Lax', async () => {
    const tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
    tenants.push(tenant);
    const cookies = await interactionCookies(tenant.url);
    const interaction = cookies.find((c) => c.startsWith('_interaction='));
    expect(interaction).toMatch(/; samesite=lax; secure; httponly$/);
    const login = await loginForCode({
      issuer: tenant.issuer,
      clientId: 'spa-client-0001',
      redirectUri: 'http://localhost:5173/callback',
      username: 'alice@example.test',
      password: 'correct horse battery staple',
    });
    const session = login.browser.setCookieLines.find((c) => c.startsWith('_session='));
    expect(session).toMatch(/; samesite=none; secure; httponly(;|$)/);
  });

  it('on a plain-http issuer that is not loopback, cookies are Lax and not Secure (a browser would drop Secure ones)', async () => {
    const tenant = await createTenant({
      config: fixtureConfig(),
      port: 0,
      dataDir: null,
      issuer: 'http://devbox.test:8080/',
    });
    tenants.push(tenant);
    const cookies = await interactionCookies(tenant.url);
    const interaction = cookies.find((c) => c.startsWith('_interaction='));
    expect(interaction).toMatch(/; samesite=lax; httponly$/);
    const { sessionCookies } = await import('../../src/engine/provider.ts');
    expect(sessionCookies(tenant.issuer)).toEqual({ httpOnly: true, sameSite: 'lax', secure: false });
  });
});
