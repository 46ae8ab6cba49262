import type { Tenant } from '@authmesh/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeJwt as decode,
  openSpaJs,
  type SpaJsBrowserFixture,
  startSpaJsBrowserFixture,
} from './support/spa-js-fixture.ts';
import type { StaticServer } from './support/static-server.ts';

const CATALOG = 'https://catalog.example.test';

/**
 * The raw, unmodified `@auth0/auth0-spa-js` in Debian Chromium against the tenant: login with redirect +
 * PKCE, silent authentication in a hidden iframe (`prompt=none`, `response_mode=web_message`) for a second
 * audience, and logout after which silent authentication fails with `login_required`.
 */
describe('auth0-spa-js in Chromium', () => {
  let fixture: SpaJsBrowserFixture;
  let spa: StaticServer;
  let tenant: Tenant;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fixture = await startSpaJsBrowserFixture();
    ({ spa, tenant, browser } = fixture);
    page = await browser.newPage();
  });

  afterAll(() => fixture?.close());

  const openSpa = () => openSpaJs(page, fixture);

  const evaluate = <T>(fn: string) => page.evaluate(fn) as Promise<T>;

  it('logs in with redirect + PKCE, then gets a token for a second API silently through the iframe', async () => {
    await openSpa();
    await page.evaluate('spa.client.loginWithRedirect()');
    await page.waitForSelector('input[name="username"]');
    expect(new URL(page.url()).pathname).toBe('/u/login');
    await page.fill('input[name="username"]', 'alice@example.test');
    await page.fill('input[name="password"]', 'correct horse battery staple');
    await Promise.all([page.waitForURL(`${spa.url}/**`), page.click('button[type="submit"]')]);
    await page.waitForFunction('window.spa.ready');
    expect(await evaluate('spa.callbackError')).toBeUndefined();

    const user = await evaluate<{ email: string; name: string }>('spa.client.getUser()');
    expect(user).toMatchObject({ email: 'alice@example.test', name: 'Alice Customer' });

    const catalogToken = await evaluate<string>('spa.client.getTokenSilently()');
    expect(decode(catalogToken)).toMatchObject({
      aud: [CATALOG, `${tenant.issuer}userinfo`],
      permissions: ['read:catalog'],
    });

    const ordersToken = await evaluate<string>(
      `spa.client.getTokenSilently({ cacheMode: 'off', authorizationParams: { audience: 'orders-api', scope: 'openid read:orders' } })`,
    );
    const orders = decode(ordersToken);
    expect(orders.aud).toEqual(['orders-api', `${tenant.issuer}userinfo`]);
    // auth0-spa-js always adds its default scopes (openid profile email) to what is asked for.
    expect(String(orders.scope).split(' ').sort()).toEqual(['email', 'openid', 'profile', 'read:orders']);
  });

  it('after logout, silent authentication fails with login_required', async () => {
    await Promise.all([
      page.waitForURL(`${spa.url}/**`),
      page.evaluate(`spa.client.logout({ logoutParams: { returnTo: '${spa.url}/' } })`),
    ]);
    await page.waitForFunction('window.spa.ready');
    const error = await evaluate<{ error: string }>(
      `spa.client.getTokenSilently({ cacheMode: 'off' }).then(() => ({ error: 'none' }), (e) => ({ error: e.error }))`,
    );
    expect(error.error).toBe('login_required');
  });
});
