import type { Tenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSpaJs, type SpaJsBrowserFixture, startSpaJsBrowserFixture } from './support/spa-js-fixture.ts';
import type { StaticServer } from './support/static-server.ts';

/**
 * Connections and the password flows apps call, in Debian Chromium with the raw auth0-spa-js: a social
 * login through the local identity page (`connection=google-oauth2`, and the login page's button), a
 * sign-up (`screen_hint=signup`), and a password reset through the link in the outbox.
 */
describe('connections, sign-up and password reset in Chromium', () => {
  let fixture: SpaJsBrowserFixture;
  let spa: StaticServer;
  let tenant: Tenant;
  let page: Page;

  beforeAll(async () => {
    const base = fixtureConfig();
    fixture = await startSpaJsBrowserFixture([], {
      connections: [
        ...base.connections,
        { name: 'google-oauth2', strategy: 'google-oauth2', options: {}, enabled_clients: ['Shop SPA'] },
      ],
    });
    ({ spa, tenant } = fixture);
  });

  afterAll(() => fixture?.close());

  /** A fresh browser context (no session), the SPA loaded and ready. */
  async function openSpa(): Promise<void> {
    await page?.context().close();
    page = await (await fixture.browser.newContext()).newPage();
    await openSpaJs(page, fixture, { scope: 'openid profile email' });
  }

  async function backInSpa(action: Promise<unknown>): Promise<void> {
    await Promise.all([page.waitForURL(`${spa.url}/**`), action]);
    await page.waitForFunction('window.spa.ready');
    expect(await page.evaluate('spa.callbackError')).toBeUndefined();
  }

  const user = () => page.evaluate('spa.client.getUser()') as Promise<Record<string, unknown>>;

  it('signs in with google-oauth2 through the local identity page (connection=google-oauth2)', async () => {
    await openSpa();
    await page.evaluate(`spa.client.loginWithRedirect({ authorizationParams: { connection: 'google-oauth2' } })`);
    await page.waitForSelector('text=Sign in with google-oauth2');
    await page.fill('input#email', 'grace@example.test');
    await page.fill('input#name', 'Grace Hopper');
    await backInSpa(page.click('button:has-text("Continue as this google-oauth2 user")'));
    const profile = await user();
    expect(String(profile.sub)).toMatch(/^google-oauth2\|\d+$/);
    expect(profile).toMatchObject({ email: 'grace@example.test', name: 'Grace Hopper', email_verified: true });

    // Through the login page's button, the identity used before is one click away.
    await openSpa();
    await page.evaluate('spa.client.loginWithRedirect()');
    await page.click('a[data-connection="google-oauth2"]');
    await backInSpa(page.click('button:has-text("Grace Hopper (grace@example.test)")'));
    expect((await user()).sub).toBe(profile.sub);
  });

  it('signs up from the sign-up view (screen_hint=signup) and is logged in', async () => {
    await openSpa();
    await page.evaluate(`spa.client.loginWithRedirect({ authorizationParams: { screen_hint: 'signup' } })`);
    await page.waitForSelector('text=Create your account');
    await page.fill('input#email', 'heidi@example.test');
    await page.fill('input#password', 'short');
    await page.click('button[value="signup"]');
    await page.waitForSelector('#password-policy');
    await page.fill('input#password', 'Strong-Enough-1');
    await backInSpa(page.click('button[value="signup"]'));
    const profile = await user();
    expect(String(profile.sub)).toMatch(/^auth0\|/);
    expect(profile.email).toBe('heidi@example.test');
  });

  it('resets a password through the link in the outbox, then logs in with the new one', async () => {
    await openSpa();
    // What auth0.js's changePassword sends, from the application's origin (CORS).
    const answer = await page.evaluate(
      `fetch(${JSON.stringify(`${tenant.issuer}dbconnections/change_password`)}, {
         method: 'POST',
         headers: { 'content-type': 'application/json' },
         body: JSON.stringify({ client_id: 'spa-client-0001', connection: 'Username-Password-Authentication', email: 'bob@example.test' }),
       }).then((r) => r.json())`,
    );
    expect(answer).toBe("We've just sent you an email to reset your password.");

    await page.goto(`${tenant.issuer}u/outbox`);
    await page.click('a:has-text("Reset your password")');
    await page.waitForSelector('text=Change your password');
    await page.fill('input#password', 'Fresh-Password-2');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#password-changed');

    await openSpa();
    await page.evaluate('spa.client.loginWithRedirect()');
    await page.fill('input[name="username"]', 'bob@example.test');
    await page.fill('input[name="password"]', 'Fresh-Password-2');
    await backInSpa(page.click('button[value="default"]'));
    expect((await user()).email).toBe('bob@example.test');
  });
});
