import { randomBytes } from 'node:crypto';
import { type Client, createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { type ExpressOidcApp, startExpressOidcApp } from './support/express-oidc-app.ts';
import { decodeJwt } from './support/spa-js-fixture.ts';

const CATALOG = 'https://catalog.example.test';
/** A bound on each wait, well under the test timeout, so a stuck page fails with what it waited for. */
const WAIT = 10_000;
const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' };

/** A regular web app as the Auth0 dashboard creates it (implicit on), for an app at `baseURL`. */
function webClient(name: string, clientId: string, baseURL: string): Client {
  const base = fixtureConfig().clients.find((c) => c.app_type === 'regular_web');
  if (!base) throw new Error('the fixture has no regular web app');
  return {
    ...base,
    name,
    client_id: clientId,
    client_secret: `${clientId}-secret-0123456789abcdef0123456789`,
    grant_types: ['authorization_code', 'implicit', 'refresh_token'],
    callbacks: [`${baseURL}/callback`],
    // With the trailing slash, while the SDK sends its base URL without one: Auth0 treats them as one URL.
    allowed_logout_urls: [`${baseURL}/`],
  };
}

/**
 * express-openid-connect, unchanged, in an Express app, driven by Debian Chromium against the tenant:
 * its default mode (`response_type=id_token`, `response_mode=form_post`: no client secret, the ID token
 * posted to /callback), and the code flow with an API audience, a refresh and logout. Its logout
 * (`idpLogout: true`) goes to `/oidc/logout` with the ID token as `id_token_hint` and the base URL as
 * `post_logout_redirect_uri`, and is back at the app without a confirmation page, as with Auth0.
 */
describe('express-openid-connect in Chromium', () => {
  let tenant: Tenant;
  let idTokenApp: ExpressOidcApp;
  let codeApp: ExpressOidcApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    idTokenApp = await startExpressOidcApp();
    codeApp = await startExpressOidcApp();
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: [
          ...base.clients,
          webClient('Express Default', 'express-default-0001', idTokenApp.baseURL),
          webClient('Express Code', 'express-code-0001', codeApp.baseURL),
        ],
      },
    });
    const common = {
      issuerBaseURL: tenant.issuer,
      secret: randomBytes(32).toString('hex'),
      authRequired: false,
      idpLogout: true,
    };
    // The SDK's defaults: response_type id_token, response_mode form_post, no client secret needed.
    idTokenApp.configure({ ...common, baseURL: idTokenApp.baseURL, clientID: 'express-default-0001' });
    codeApp.configure({
      ...common,
      baseURL: codeApp.baseURL,
      clientID: 'express-code-0001',
      clientSecret: 'express-code-0001-secret-0123456789abcdef0123456789',
      authorizationParams: {
        response_type: 'code',
        audience: CATALOG,
        scope: 'openid profile email offline_access read:catalog',
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await tenant?.close();
    await idTokenApp?.close();
    await codeApp?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
  });

  /** What the app's page at `path` shows (JSON). */
  async function appJson<T>(app: ExpressOidcApp, path: string): Promise<T> {
    const response = await page.goto(`${app.baseURL}${path}`);
    if (!response) throw new Error(`no response for ${path}`);
    return JSON.parse(await response.text()) as T;
  }

  /** The SDK's /login, the tenant's login page, and back at the app's `/` through its /callback. */
  async function logIn(app: ExpressOidcApp): Promise<void> {
    await page.goto(`${app.baseURL}/login`);
    await page.waitForSelector('input[name="username"]', { timeout: WAIT });
    await page.fill('input[name="username"]', ALICE.username);
    await page.fill('input[name="password"]', ALICE.password);
    await Promise.all([page.waitForURL(`${app.baseURL}/`, { timeout: WAIT }), page.click('button[type="submit"]')]);
  }

  /** The SDK's /logout: through the tenant's /oidc/logout and straight back to the app. */
  async function logOut(app: ExpressOidcApp): Promise<string[]> {
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await Promise.all([page.waitForURL(`${app.baseURL}/`, { timeout: WAIT }), page.goto(`${app.baseURL}/logout`)]);
    return visited;
  }

  it('default mode (id_token + form_post): logs in, the user is the ID token user; logout asks nothing', async () => {
    let authorize: URL | undefined;
    page.on('request', (request) => {
      if (request.url().startsWith(`${tenant.issuer}authorize`)) authorize ??= new URL(request.url());
    });
    await logIn(idTokenApp);
    expect(authorize?.searchParams.get('response_type')).toBe('id_token');
    expect(authorize?.searchParams.get('response_mode')).toBe('form_post');

    const home = await appJson<{ authenticated: boolean; user: Record<string, unknown> }>(idTokenApp, '/');
    expect(home.authenticated).toBe(true);
    expect(home.user).toMatchObject({ email: 'alice@example.test', name: 'Alice Customer' });
    expect(await appJson(idTokenApp, '/profile')).toMatchObject({ email: 'alice@example.test' });

    const visited = await logOut(idTokenApp);
    expect(visited.some((url) => url.startsWith(`${tenant.issuer}oidc/logout`))).toBe(true);
    expect(await appJson(idTokenApp, '/')).toEqual({ authenticated: false, user: null });
    // The tenant session is gone too: logging in again asks for the password.
    await page.goto(`${idTokenApp.baseURL}/login`);
    await page.waitForSelector('input[name="username"]', { timeout: WAIT });
  });

  it('code flow with an audience: an API access token, a refresh through the SDK, logout', async () => {
    await logIn(codeApp);
    const first = await appJson<{ access_token: string; refresh_token: string }>(codeApp, '/token');
    expect(decodeJwt(first.access_token)).toMatchObject({
      aud: [CATALOG, `${tenant.issuer}userinfo`],
      azp: 'express-code-0001',
      permissions: ['read:catalog'],
    });
    expect(first.refresh_token).toEqual(expect.any(String));

    const refreshed = await appJson<{ access_token: string }>(codeApp, '/token?refresh=1');
    expect(decodeJwt(refreshed.access_token)).toMatchObject({
      aud: [CATALOG, `${tenant.issuer}userinfo`],
      azp: 'express-code-0001',
    });
    // The refresh really reaches the tenant: once the refresh token is revoked, the SDK's refresh fails.
    const revoked = await fetch(new URL('oauth/revoke', tenant.issuer), {
      method: 'POST',
      body: new URLSearchParams({
        token: first.refresh_token,
        client_id: 'express-code-0001',
        client_secret: 'express-code-0001-secret-0123456789abcdef0123456789',
      }),
    });
    expect(revoked.status).toBe(200);
    expect(await appJson(codeApp, '/token?refresh=1')).toEqual({ error: 'invalid_grant' });

    await logOut(codeApp);
    expect(await appJson(codeApp, '/')).toEqual({ authenticated: false, user: null });
  });
});
