import type { Tenant } from '@authmesh/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CATALOG_AUTHORIZATION,
  decodeJwt as decode,
  openSpaJs,
  type SpaJsBrowserFixture,
  startSpaJsBrowserFixture,
} from './support/spa-js-fixture.ts';
import type { StaticServer } from './support/static-server.ts';

const CATALOG = 'https://catalog.example.test';

/**
 * auth0-spa-js with refresh tokens instead of the iframe: `useRefreshTokens` (rotation), and `useMrrt`,
 * where one refresh token yields tokens for the APIs of the client's refresh-token policies; and
 * `useRefreshTokensFallback`, which falls back to the iframe for an audience the refresh token cannot serve.
 */
describe('auth0-spa-js with refresh tokens in Chromium', () => {
  let fixture: SpaJsBrowserFixture;
  let spa: StaticServer;
  let tenant: Tenant;
  let browser: Browser;

  beforeAll(async () => {
    fixture = await startSpaJsBrowserFixture([{ audience: 'orders-api', scope: ['read:orders'] }]);
    ({ spa, tenant, browser } = fixture);
  });

  afterAll(() => fixture?.close());

  async function loggedInPage(extra: Record<string, unknown>): Promise<{ page: Page; tokenRequests: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url() === `${tenant.issuer}oauth/token`) tokenRequests.push(request.postData() ?? '');
    });
    await openSpaJs(page, fixture, CATALOG_AUTHORIZATION, extra);
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
