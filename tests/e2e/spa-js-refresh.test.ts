import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../packages/server/src/index.ts';
import { fixtureConfig } from '../../packages/server/test/support/fixture-config.ts';
import { launchChromium } from './support/chromium.ts';
import { type StaticServer, serveFiles } from './support/static-server.ts';

const require = createRequire(import.meta.url);
const SPA_JS = require.resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js');
const CATALOG = 'https://catalog.example.test';

const decode = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

/**
 * auth0-spa-js with refresh tokens instead of the iframe: `useRefreshTokens` (rotation), and `useMrrt`,
 * where one refresh token yields tokens for the APIs of the client's refresh-token policies; and
 * `useRefreshTokensFallback`, which falls back to the iframe for an audience the refresh token cannot serve.
 */
describe('auth0-spa-js with refresh tokens in Chromium', () => {
  let spa: StaticServer;
  let tenant: Tenant;
  let browser: Browser;

  beforeAll(async () => {
    spa = await serveFiles({
      '/': fileURLToPath(new URL('pages/spa-js.html', import.meta.url)),
      '/auth0-spa-js.production.js': SPA_JS,
    });
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: base.clients.map((c) =>
          c.app_type === 'spa'
            ? {
                ...c,
                callbacks: [`${spa.url}/`],
                web_origins: [spa.url],
                allowed_origins: [spa.url],
                allowed_logout_urls: [`${spa.url}/`],
                refresh_token: { ...c.refresh_token, policies: [{ audience: 'orders-api', scope: ['read:orders'] }] },
              }
            : c,
        ),
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await tenant?.close();
    await spa?.close();
  });

  async function loggedInPage(extra: Record<string, unknown>): Promise<{ page: Page; tokenRequests: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url() === `${tenant.issuer}oauth/token`) tokenRequests.push(request.postData() ?? '');
    });
    const options = {
      domain: tenant.issuer.slice(0, -1),
      clientId: 'spa-client-0001',
      authorizationParams: {
        redirect_uri: `${spa.url}/`,
        audience: CATALOG,
        scope: 'openid profile email read:catalog',
      },
      ...extra,
    };
    await page.goto(`${spa.url}/#options=${encodeURIComponent(JSON.stringify(options))}`);
    await page.waitForFunction('window.spa.ready');
    await page.evaluate('spa.client.loginWithRedirect()');
    await page.waitForSelector('input[name="username"]');
    await page.fill('input[name="username"]', 'bob@example.test');
    await page.fill('input[name="password"]', 'staff password 1234');
    await Promise.all([page.waitForURL(`${spa.url}/**`), page.click('button[type="submit"]')]);
    await page.waitForFunction('window.spa.ready');
    expect(await page.evaluate('spa.callbackError')).toBeUndefined();
    return { page, tokenRequests };
  }

  it('useRefreshTokens: a refresh token is issued, rotated on use, and no iframe is needed', async () => {
    const { page, tokenRequests } = await loggedInPage({ useRefreshTokens: true, cacheLocation: 'localstorage' });
    const refreshed = (await page.evaluate(`spa.client.getTokenSilently({ cacheMode: 'off' })`)) as string;
    expect(decode(refreshed)).toMatchObject({ aud: [CATALOG, `${tenant.issuer}userinfo`] });
    const rotated = tokenRequests.map((body) => new URLSearchParams(body).get('refresh_token')).filter(Boolean);
    expect(rotated).toHaveLength(1);
    const grants = tokenRequests.map((body) => new URLSearchParams(body).get('grant_type'));
    expect(grants).toEqual(['authorization_code', 'refresh_token']);
    expect(page.frames()).toHaveLength(1);
  });

  it('useMrrt: one refresh token yields a token for a policy API, limited to its policy', async () => {
    // Per-audience scopes (an auth0-spa-js feature): each API is asked only for its own scopes, which is
    // what MRRT needs, since a token for one API never carries another API's scopes.
    const { page, tokenRequests } = await loggedInPage({
      useRefreshTokens: true,
      useMrrt: true,
      cacheLocation: 'localstorage',
      authorizationParams: {
        redirect_uri: `${spa.url}/`,
        audience: CATALOG,
        scope: { [CATALOG]: 'profile email read:catalog', 'orders-api': 'read:orders' },
      },
    });
    const orders = (await page.evaluate(
      `spa.client.getTokenSilently({ authorizationParams: { audience: 'orders-api', scope: 'read:orders' } })`,
    )) as string;
    const claims = decode(orders);
    expect(claims.aud).toEqual(['orders-api', `${tenant.issuer}userinfo`]);
    expect(String(claims.scope).split(' ')).toContain('read:orders');
    const last = new URLSearchParams(tokenRequests.at(-1) ?? '');
    expect(last.get('grant_type')).toBe('refresh_token');
    expect(last.get('audience')).toBe('orders-api');
  });

  it('useRefreshTokensFallback: an audience outside the refresh token falls back to the iframe', async () => {
    const { page } = await loggedInPage({
      useRefreshTokens: true,
      useRefreshTokensFallback: true,
      cacheLocation: 'localstorage',
    });
    const orders = (await page.evaluate(
      `spa.client.getTokenSilently({ authorizationParams: { audience: 'orders-api', scope: 'read:orders' } })`,
    )) as string;
    expect(decode(orders).aud).toEqual(['orders-api', `${tenant.issuer}userinfo`]);
  });
});
