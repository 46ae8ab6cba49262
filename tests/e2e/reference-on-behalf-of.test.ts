import { login as fillLoginPage } from '@authmesh/testing/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { type ReferenceSystem, readClientCredentials, startReferenceSystem } from './support/reference-system.ts';

/*
 * The journey that needs the customer's identity downstream, in Chromium: the SPA asks the Orders API for
 * "my prices"; the Orders API exchanges the customer's orders token (On-Behalf-Of token exchange) for a catalog
 * token and asks the Catalog API, which answers for that customer and logs the user and the actor. In both
 * silent-auth modes: the orders token comes from a hidden iframe or from the refresh token (MRRT), and the
 * exchange must work on either.
 */

const CATALOG = 'https://catalog.acme.test';
const CUSTOMER = { email: 'customer@acme.test', password: 'customer-demo-password' };

type Mode = 'iframe' | 'refresh';
const sel = (testId: string) => `[data-testid="${testId}"]`;

const payload = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('on behalf of the customer: Orders API → Catalog API with the customer as sub and the Orders API as act', () => {
  let system: ReferenceSystem;
  let browser: Browser;
  let ordersApiClientId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [system, browser] = await Promise.all([startReferenceSystem({ verbose: true }), launchChromium()]);
    ({ clientId: ordersApiClientId } = await readClientCredentials(system, 'Orders API (client)'));
  });

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    await browser?.close();
    await system?.stop();
  });

  /** Opens the SPA in `mode` (through its own switch), and records the Authorization header sent to the Orders API. */
  async function openSpa(mode: Mode): Promise<{ page: Page; ordersTokens: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const ordersOrigin = new URL(system.apiUrls.orders).origin;
    const ordersTokens: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      const authorization = request.headers().authorization;
      if (url.origin === ordersOrigin && url.pathname === '/prices/mine' && authorization?.startsWith('Bearer ')) {
        ordersTokens.push(authorization.slice('Bearer '.length));
      }
    });
    await page.goto(system.spaUrl);
    await page.waitForSelector(sel('login'));
    if ((await page.getAttribute(sel('mode-switch'), 'data-mode')) !== mode) {
      await page.click(sel(`mode-${mode}`));
      await page.waitForSelector(`${sel('mode-switch')}[data-mode="${mode}"]`);
      await page.waitForSelector(sel('login'));
    }
    return { page, ordersTokens };
  }

  it.each<Mode>(['iframe', 'refresh'])(
    '%s mode: "My prices" shows the exchanged token (sub = the customer, act = the Orders API), and the catalog logs both',
    async (mode) => {
      const { page, ordersTokens } = await openSpa(mode);
      await page.click(sel('login'));
      await fillLoginPage({ issuer: system.tenantIssuer }, page, CUSTOMER, { returnTo: `${system.spaUrl}**` });
      await page.waitForFunction('window.__authmeshMetrics', undefined, { timeout: 20_000 });

      await page.click(sel('tab-orders'));
      await page.click(sel('load-my-prices'));
      // In the token panel, beside the SPA's own tokens: the one the Orders API got on the customer's behalf.
      await page.waitForSelector(`${sel('token-panel')} ${sel('exchanged-token')}`);

      // The token the SPA sent to the Orders API: the customer's, for the Orders API only.
      expect(ordersTokens).toHaveLength(1);
      const userClaims = payload(ordersTokens[0] ?? '');
      const customer = String(userClaims.sub);
      expect(userClaims.act).toBeUndefined();

      // The token the Catalog API received: still the customer, for the catalog, with the Orders API acting.
      expect(await page.textContent(sel('exchanged-sub'))).toBe(customer);
      expect(await page.textContent(sel('exchanged-aud'))).toContain(CATALOG);
      expect(await page.getAttribute(sel('exchanged-act'), 'data-actors')).toBe(`${ordersApiClientId}@clients`);
      expect(await page.textContent(sel('exchanged-scope'))).toContain('read:products');
      expect(await page.locator(sel('my-price')).count()).toBeGreaterThan(0);

      // The catalog's log line names the user and the actor.
      const line = `catalog-api: GET /prices/mine for user ${customer} by ${ordersApiClientId}@clients on the user's behalf`;
      await expect.poll(() => system.output()).toContain(line);
    },
  );
});
