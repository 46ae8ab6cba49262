import { fixtureConfig, loginForCode, pkcePair } from '@authmesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionTtl } from '../../src/engine/provider.ts';
import { createTenant, type Tenant } from '../../src/index.ts';

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

  it('the session cookie lives the idle lifetime (72 h by default), not the 30-day absolute one', async () => {
    const tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
    tenants.push(tenant);
    const login = await loginForCode({
      issuer: tenant.issuer,
      clientId: 'spa-client-0001',
      redirectUri: 'http://localhost:5173/callback',
      username: 'bob@example.test',
      password: 'staff password 1234',
    });
    const session = login.browser.setCookieLines.find((c) => c.startsWith('_session='));
    const expires = Date.parse(/expires=([^;]+)/.exec(session ?? '')?.[1] ?? '');
    const hours = (expires - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71);
    expect(hours).toBeLessThanOrEqual(72);
  });
});

describe('SSO session lifetime (Auth0 session_lifetime / idle_session_lifetime)', () => {
  const settings = { allowed_logout_urls: [], session_lifetime: 720, idle_session_lifetime: 72 };
  const now = () => Math.floor(Date.now() / 1000);

  it('a fresh session lives the idle lifetime', () => {
    expect(sessionTtl(settings, now())).toBe(72 * 3_600);
  });

  it('near the absolute end, only the remaining time is left', () => {
    const remaining = sessionTtl(settings, now() - 719 * 3_600);
    expect(remaining).toBeGreaterThan(3_590);
    expect(remaining).toBeLessThanOrEqual(3_600);
  });
});
