import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeJwt as decode,
  openSpaJs,
  type SpaJsBrowserFixture,
  startSpaJsBrowserFixture,
} from './support/spa-js-fixture.ts';
import type { StaticServer } from './support/static-server.ts';

const ROLES = 'https://shop.example.test/roles';

/**
 * The raw `@auth0/auth0-spa-js` in Chromium against a tenant running a post-login action: the user it
 * reads from the ID token carries the action's namespaced claim, and so does the access token, after a
 * redirect login and after silent authentication in the iframe.
 */
describe('auth0-spa-js with a post-login action', () => {
  let fixture: SpaJsBrowserFixture;
  let spa: StaticServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fixture = await startSpaJsBrowserFixture([], {
      actions: [
        {
          name: 'roles-in-tokens',
          code: `exports.onExecutePostLogin = async (event, api) => {
            api.idToken.setCustomClaim('${ROLES}', event.authorization.roles);
            api.accessToken.setCustomClaim('${ROLES}', event.authorization.roles);
          };`,
          runtime: 'node22',
          dependencies: [],
          secrets: [],
          supported_triggers: [{ id: 'post-login', version: 'v3' }],
        },
      ],
      triggers: { 'post-login': ['roles-in-tokens'] },
    });
    ({ spa, browser } = fixture);
    page = await browser.newPage();
  });

  afterAll(() => fixture?.close());

  it('getUser and the access token carry the action claim, after login and after silent authentication', async () => {
    await openSpaJs(page, fixture);
    await page.evaluate('spa.client.loginWithRedirect()');
    await page.waitForSelector('input[name="username"]');
    await page.fill('input[name="username"]', 'alice@example.test');
    await page.fill('input[name="password"]', 'correct horse battery staple');
    await Promise.all([page.waitForURL(`${spa.url}/**`), page.click('button[type="submit"]')]);
    await page.waitForFunction('window.spa.ready');
    expect(await page.evaluate('spa.callbackError')).toBeUndefined();

    const user = (await page.evaluate('spa.client.getUser()')) as Record<string, unknown>;
    expect(user[ROLES]).toEqual(['Customer']);
    expect(decode((await page.evaluate('spa.client.getTokenSilently()')) as string)[ROLES]).toEqual(['Customer']);

    // Silent authentication (prompt=none in the iframe) runs post-login again.
    const silent = (await page.evaluate(
      `spa.client.getTokenSilently({ cacheMode: 'off', detailedResponse: true })`,
    )) as { access_token: string; id_token: string };
    expect(decode(silent.access_token)[ROLES]).toEqual(['Customer']);
    expect(decode(silent.id_token)[ROLES]).toEqual(['Customer']);
  });
});
