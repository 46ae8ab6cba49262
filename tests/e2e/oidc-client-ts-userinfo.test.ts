import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { decodeJwt } from './support/spa-js-fixture.ts';
import { type StaticServer, serveFiles } from './support/static-server.ts';

const require = createRequire(import.meta.url);
const SPA = 'spa-client-0001';
const CATALOG = 'https://catalog.example.test';
/** A bound on each wait, well under the test timeout, so a stuck page fails with what it waited for. */
const WAIT = 10_000;

/**
 * The raw `oidc-client-ts` browser bundle in Debian Chromium, signing in with `loadUserInfo: true` and an
 * API `audience`: the access token is then a JWT for the API and for `/userinfo`, which the page reads
 * cross-origin. The sign-in only completes when that answer carries the CORS headers for the page's origin.
 */
describe('oidc-client-ts in Chromium: sign-in with loadUserInfo', () => {
  let spa: StaticServer;
  let stranger: StaticServer;
  let tenant: Tenant;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const files = {
      '/': fileURLToPath(new URL('./pages/oidc-client-ts.html', import.meta.url)),
      '/oidc-client-ts.min.js': join(
        dirname(require.resolve('oidc-client-ts/package.json')),
        'dist/browser/oidc-client-ts.min.js',
      ),
    };
    spa = await serveFiles(files);
    // The same page on an origin the client never registered.
    stranger = await serveFiles(files);
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: base.clients.map((c) =>
          c.client_id === SPA
            ? { ...c, callbacks: [`${spa.url}/`], web_origins: [spa.url], allowed_logout_urls: [`${spa.url}/`] }
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
    await stranger?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
  });

  async function openApp(origin: string): Promise<void> {
    const settings = {
      authority: tenant.issuer,
      client_id: SPA,
      redirect_uri: `${origin}/`,
      response_type: 'code',
      scope: 'openid profile email',
      loadUserInfo: true,
      extraQueryParams: { audience: CATALOG },
    };
    await page.goto(`${origin}/#settings=${encodeURIComponent(JSON.stringify(settings))}`);
    await page.waitForFunction('window.app.ready', undefined, { timeout: WAIT });
  }

  async function signIn(origin: string): Promise<void> {
    await openApp(origin);
    // Not awaited in the page: it resolves only as the page navigates away.
    await page.evaluate('void app.manager.signinRedirect()');
    await page.waitForSelector('input[name="username"]', { timeout: WAIT });
    await page.fill('input[name="username"]', 'alice@example.test');
    await page.fill('input[name="password"]', 'correct horse battery staple');
    await Promise.all([page.waitForURL(`${origin}/?**`, { timeout: WAIT }), page.click('button[type="submit"]')]);
    await page.waitForFunction('window.app.ready', undefined, { timeout: WAIT });
  }

  it('completes: the profile holds the /userinfo claims fetched with the JWT API access token', async () => {
    await signIn(spa.url);

    expect(await page.evaluate('app.callbackError')).toBeUndefined();
    const accessToken = await page.evaluate<string>('app.accessToken');
    expect(decodeJwt(accessToken).aud).toEqual([CATALOG, `${tenant.issuer}userinfo`]);
    const profile = await page.evaluate<Record<string, unknown>>('app.profile');
    expect(profile).toMatchObject({ email: 'alice@example.test', email_verified: true, name: 'Alice Customer' });
    // Proof the claims came from /userinfo: the page reads it once more itself, cross-origin.
    const direct = await page.evaluate<Record<string, unknown>>(
      `fetch(${JSON.stringify(`${tenant.issuer}userinfo`)}, { headers: { Authorization: 'Bearer ' + app.accessToken } }).then((r) => r.json())`,
    );
    expect(direct).toMatchObject({ sub: profile.sub, email: 'alice@example.test' });
  });

  it('a page of another origin holding the token cannot read /userinfo', async () => {
    await signIn(spa.url);
    expect(await page.evaluate('app.callbackError')).toBeUndefined();
    const accessToken = await page.evaluate<string>('app.accessToken');

    await page.goto(`${stranger.url}/`);
    const outcome = await page.evaluate<string>(
      `fetch(${JSON.stringify(`${tenant.issuer}userinfo`)}, { headers: { Authorization: 'Bearer ${accessToken}' } }).then(() => 'read', (e) => 'blocked: ' + e.name)`,
    );
    expect(outcome).toBe('blocked: TypeError');
  });
});
